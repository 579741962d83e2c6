"""The signed-in home page: the last 30 days of sending and the campaigns still in flight."""

from __future__ import annotations

from datetime import timedelta

from portal.main import routes
from tests.messages import sent_campaign


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
