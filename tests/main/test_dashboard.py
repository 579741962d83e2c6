"""The signed-in home page: the last 30 days of sending and the campaigns still in flight."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from portal.extensions import db
from portal.main import routes
from portal.models import STATUS_RANK, Message, utcnow
from portal.reports.figures import campaigns_in_flight, last_30_days
from tests.conftest import in_account
from tests.messages import sent_campaign
from tests.plans import analyze, rows_read, skip_unless_postgresql


def test_dashboard_sums_the_last_30_days(app, member_client, account, report_to):
    sent = sent_campaign(app, account.account_id, 4, name="Autumn")
    report_to(account.account_id, sent, {0: 404, 1: 404, 2: 405}, points="0.5")
    sent_campaign(app, account.account_id, 3, submitted_ago=timedelta(days=40), name="Old news")
    page = member_client.get("/").text
    assert '<dd data-total="sent">4</dd>' in page
    assert '<dd data-total="delivered">2</dd>' in page
    assert '<dd data-total="failed">1</dd>' in page
    assert '<dd data-total="points">1.50</dd>' in page


def test_dashboard_lists_campaigns_in_flight_and_polls_only_while_there_are(
    app, member_client, account, report_to
):
    sent = sent_campaign(app, account.account_id, 2, name="Autumn")
    page = member_client.get("/").text
    assert "Autumn</a>:" in page and "2 of 2 messages waiting" in page and 'hx-trigger="every 2s"' in page
    report_to(account.account_id, sent, {0: 404, 1: 405})
    fragment = member_client.get("/", headers={"HX-Request": "true"}).text
    assert "Autumn" not in fragment and "hx-trigger" not in fragment


def test_dashboard_shows_only_the_accounts_own_figures(app, make_account, auth, client, report_to):
    mine, theirs = make_account("Mine"), make_account("Theirs")
    sent_campaign(app, theirs.account_id, 5, name="Theirs campaign")
    auth.login(mine.member_email)
    page = client.get("/").text
    assert '<dd data-total="sent">0</dd>' in page and "Theirs campaign" not in page


def test_the_in_flight_poll_counts_only_the_campaigns_in_flight(app, member_client, account, monkeypatch):
    sent_campaign(app, account.account_id, 2, name="Autumn")
    counted = []
    real = routes.last_30_days

    def counting(*args, **kwargs):
        counted.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(routes, "last_30_days", counting)
    fragment = member_client.get("/", headers={"HX-Request": "true"}).text
    assert "2 of 2 messages waiting" in fragment and counted == []
    assert '<dd data-total="sent">2</dd>' in member_client.get("/").text and counted == [1]


def test_the_dashboard_reads_only_the_messages_of_its_30_days_and_of_campaigns_in_flight(app, account):
    skip_unless_postgresql(app)
    old = sent_campaign(app, account.account_id, 3000, record_ids=False, submitted_ago=timedelta(days=60),
                        name="Last season")
    long_ago = utcnow() - timedelta(days=59)
    with in_account(app, account.account_id):  # long since delivered, and one failed
        db.session.execute(update(Message).where(Message.id.in_(old.message_ids)).values(
            status="delivered", status_rank=STATUS_RANK["delivered"], delivered_at=long_ago))
        db.session.execute(update(Message).where(Message.id == old.message_ids[0]).values(
            status="failed", delivered_at=None, failed_at=long_ago))
        db.session.commit()
    sent_campaign(app, account.account_id, 4, name="Autumn")
    analyze(app)
    with in_account(app, account.account_id):
        # The 4 sent in the window, none delivered or failed in it, nothing of the 3,000 before.
        assert rows_read(app, "message", lambda: last_30_days(account.account_id)) == 4
        flights = []
        in_flight = rows_read(app, "message", lambda: flights.extend(campaigns_in_flight(account.account_id)))
    assert in_flight <= 8  # whether each campaign has a message waiting, then the one that has, counted
    assert [(flight.name, flight.pending, flight.total) for flight in flights] == [("Autumn", 4, 4)]
