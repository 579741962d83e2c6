"""The dashboard's settled days: counted once and kept per account and time zone, the days since
counted on every view."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, update

from portal.extensions import db
from portal.models import DailyFigures, Message
from portal.reports.figures import Day, _keep, last_30_days
from tests.messages import sent_campaign
from tests.plans import analyze, rows_read, skip_unless_postgresql

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)  # in UTC: 27 Oct - 21 Nov settled, 22 - 25 Nov counted
FIRST = date(2026, 10, 27)


def sent_at(app, account_id: int, count: int, moment: datetime, *, delivered: int = 0, failed: int = 0,
            failed_at: datetime | None = None) -> list[int]:
    """`count` messages submitted at `moment` for 0.16 points each; the first `delivered` delivered five
    minutes later, the next `failed` failed at `failed_at`."""
    ids = sent_campaign(app, account_id, count).message_ids
    with app.app_context():
        db.session.execute(update(Message).where(Message.id.in_(ids))
                           .values(submitted_at=moment, points=Decimal("0.16"))
                           .execution_options(all_accounts=True))
        delivered_at = moment + timedelta(minutes=5)
        db.session.execute(update(Message).where(Message.id.in_(ids[:delivered]))
                           .values(status="delivered", status_rank=90, delivered_at=delivered_at)
                           .execution_options(all_accounts=True))
        db.session.execute(update(Message).where(Message.id.in_(ids[delivered:delivered + failed]))
                           .values(status="undelivered", status_rank=90, failed_at=failed_at)
                           .execution_options(all_accounts=True))
        db.session.commit()
    return ids


def by_day(days: list[Day]) -> dict[str, Day]:
    return {day.day: day for day in days}


def kept(app, account_id: int, zone: str) -> dict[date, DailyFigures]:
    with app.app_context():
        rows = db.session.scalars(select(DailyFigures).where(DailyFigures.account_id == account_id,
                                                             DailyFigures.zone == zone)
                                  .execution_options(all_accounts=True)).all()
        return {row.day: row for row in rows}


def view(app, account_id: int, zone: str = "UTC") -> dict[str, Day]:
    with app.app_context():
        days = last_30_days(account_id, now=NOW, zone_name=zone)
        db.session.commit()
    assert [day.day for day in days] == [(FIRST + timedelta(days=n)).isoformat() for n in range(30)]
    return by_day(days)


def test_settled_days_are_counted_once_and_kept_the_days_since_on_every_view(app, account):
    sent_at(app, account.account_id, 3, datetime(2026, 11, 15, 10, tzinfo=UTC), delivered=2, failed=1,
            failed_at=datetime(2026, 11, 16, 9, tzinfo=UTC))
    sent_at(app, account.account_id, 2, datetime(2026, 11, 24, 8, tzinfo=UTC), delivered=1)
    first = view(app, account.account_id)
    assert first["2026-11-15"] == Day("2026-11-15", sent=3, delivered=2, points=Decimal("0.48"))
    assert first["2026-11-16"] == Day("2026-11-16", failed=1)
    assert first["2026-11-24"] == Day("2026-11-24", sent=2, delivered=1, points=Decimal("0.32"))
    rows = kept(app, account.account_id, "UTC")
    # Every settled day is kept, those with nothing sent too; the last three days and today are not.
    assert sorted(rows) == [FIRST + timedelta(days=n) for n in range(26)]
    assert (rows[date(2026, 11, 15)].sent, rows[date(2026, 11, 15)].points) == (3, Decimal("0.48"))

    # A message that appears on a kept day now is not counted again; one in the days since is.
    sent_at(app, account.account_id, 1, datetime(2026, 11, 15, 11, tzinfo=UTC))
    sent_at(app, account.account_id, 1, datetime(2026, 11, 24, 9, tzinfo=UTC))
    second = view(app, account.account_id)
    assert second["2026-11-15"] == first["2026-11-15"]
    assert second["2026-11-24"] == Day("2026-11-24", sent=3, delivered=1, points=Decimal("0.48"))
    assert len(kept(app, account.account_id, "UTC")) == 26


def test_kept_days_no_longer_shown_go_when_a_new_day_is_kept(app, account):
    view(app, account.account_id, "Asia/Tokyo")
    view(app, account.account_id)
    with app.app_context():
        days = last_30_days(account.account_id, now=NOW + timedelta(days=5))  # five more days settled
        db.session.commit()
    assert days[-1].day == "2026-11-30"
    assert sorted(kept(app, account.account_id, "UTC")) == [FIRST + timedelta(days=n) for n in range(5, 31)]
    assert min(kept(app, account.account_id, "Asia/Tokyo")) == date(2026, 11, 1)  # in every zone


def test_days_are_kept_per_time_zone(app, account):
    sent_at(app, account.account_id, 1, datetime(2026, 11, 10, 23, 30, tzinfo=UTC))  # 11 Nov in Tokyo
    assert view(app, account.account_id)["2026-11-10"].sent == 1
    in_tokyo = view(app, account.account_id, "Asia/Tokyo")
    assert (in_tokyo["2026-11-10"].sent, in_tokyo["2026-11-11"].sent) == (0, 1)
    assert kept(app, account.account_id, "Asia/Tokyo")[date(2026, 11, 11)].sent == 1
    assert kept(app, account.account_id, "UTC")[date(2026, 11, 11)].sent == 0


def test_a_day_kept_by_another_view_meanwhile_stays_as_it_was_kept(app, account):
    with app.app_context():
        db.session.add(DailyFigures(account_id=account.account_id, zone="UTC", day=date(2026, 11, 15), sent=7,
                                    delivered=0, failed=0, points=Decimal(0)))
        db.session.commit()
        _keep(account.account_id, "UTC", [Day("2026-11-15", sent=9)], NOW, FIRST)  # a second view keeps it
        db.session.commit()
    assert view(app, account.account_id)["2026-11-15"].sent == 7
    assert kept(app, account.account_id, "UTC")[date(2026, 11, 15)].sent == 7


def test_the_dashboard_keeps_the_settled_days_it_counted(app, member_client, account):
    sent_campaign(app, account.account_id, 2, submitted_ago=timedelta(days=10))
    assert '<dd data-total="sent">2</dd>' in member_client.get("/").text
    rows = kept(app, account.account_id, "Europe/Warsaw")  # the zone of a new account
    assert len(rows) == 26 and sum(row.sent for row in rows.values()) == 2
    assert '<dd data-total="sent">2</dd>' in member_client.get("/").text


def test_another_accounts_kept_days_are_never_read(app, make_account):
    mine, theirs = make_account("Mine"), make_account("Theirs")
    sent_at(app, theirs.account_id, 4, datetime(2026, 11, 15, 10, tzinfo=UTC), delivered=4)
    assert view(app, theirs.account_id)["2026-11-15"].sent == 4
    assert all(day == Day(day.day) for day in view(app, mine.account_id).values())
    with app.app_context():
        assert db.session.scalar(select(func.sum(DailyFigures.sent)).where(
            DailyFigures.account_id == mine.account_id).execution_options(all_accounts=True)) == 0


def test_a_view_after_the_first_reads_only_the_messages_of_the_days_since(app, account):
    skip_unless_postgresql(app)
    sent_at(app, account.account_id, 3000, datetime(2026, 9, 1, tzinfo=UTC), delivered=3000)  # long before
    morning = datetime(2026, 10, 27, 10, tzinfo=UTC)
    for n in range(30):  # one message a day, delivered the same day
        sent_at(app, account.account_id, 1, morning + timedelta(days=n), delivered=1)
    analyze(app)
    with app.app_context():
        first = rows_read(app, "message", lambda: last_30_days(account.account_id, now=NOW))
        db.session.commit()
        later = rows_read(app, "message", lambda: last_30_days(account.account_id, now=NOW))
    assert first == 60  # each message read as sent and as delivered
    assert later == 8  # only those of the four days counted on every view
