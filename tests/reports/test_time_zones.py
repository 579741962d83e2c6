"""The delivery chart and the last-30-days table count time on the account's clock, not UTC's."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from portal.extensions import db
from portal.models import Account, Message
from portal.reports.figures import delivered_over_time, last_30_days
from tests.messages import sent_campaign

WARSAW = ZoneInfo("Europe/Warsaw")
TOKYO = ZoneInfo("Asia/Tokyo")


def deliver_at(app, message_ids: list[int], moments: list[datetime]) -> None:
    with app.app_context():
        for message_id, moment in zip(message_ids, moments, strict=True):
            db.session.execute(update(Message).where(Message.id == message_id)
                               .values(status="delivered", status_rank=90, delivered_at=moment,
                                       submitted_at=moment - timedelta(minutes=1))
                               .execution_options(all_accounts=True))
        db.session.commit()


def fail(app, message_ids: list[int]) -> None:
    with app.app_context():
        db.session.execute(update(Message).where(Message.id.in_(message_ids))
                           .values(status="undelivered", status_rank=90).execution_options(all_accounts=True))
        db.session.commit()


def test_day_buckets_start_at_the_accounts_midnight(app, account):
    sent = sent_campaign(app, account.account_id, 2)
    # 23:30 UTC on 1 November is 00:30 on 2 November in Warsaw; the span makes the bars one day wide.
    deliver_at(app, sent.message_ids, [datetime(2026, 11, 1, 23, 30, tzinfo=UTC),
                                       datetime(2026, 11, 15, 11, 0, tzinfo=UTC)])
    with app.app_context():
        width, buckets = delivered_over_time(account.account_id, sent.campaign_id, zone_name="Europe/Warsaw")
        assert width == 86400
        assert buckets[0].start == datetime(2026, 11, 2, tzinfo=WARSAW) and buckets[0].delivered == 1
        assert buckets[-1].start == datetime(2026, 11, 15, tzinfo=WARSAW) and buckets[-1].cumulative == 2
        _, in_utc = delivered_over_time(account.account_id, sent.campaign_id)
        assert in_utc[0].start == datetime(2026, 11, 1, tzinfo=UTC)


def test_the_report_names_the_accounts_zone(app, account, member_client):
    sent = sent_campaign(app, account.account_id, 1)
    deliver_at(app, sent.message_ids, [datetime.now(UTC) - timedelta(seconds=30)])
    page = member_client.get(f"/campaigns/{sent.campaign_id}/report").text
    assert "From (Europe/Warsaw)" in page and "Times in Europe/Warsaw." in page and "UTC" not in page


def test_a_late_evening_send_counts_on_the_accounts_day(app, account, member_client):
    sent = sent_campaign(app, account.account_id, 1)
    evening = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 00:30 on the 25th in Warsaw
    deliver_at(app, sent.message_ids, [evening])
    with app.app_context():
        days = last_30_days(account.account_id, now=datetime(2026, 11, 25, 12, tzinfo=UTC),
                            zone_name="Europe/Warsaw")
        assert days[-1].day == "2026-11-25" and (days[-1].sent, days[-1].delivered) == (1, 1)
        assert days[-2].day == "2026-11-24" and days[-2].sent == 0
        in_utc = last_30_days(account.account_id, now=datetime(2026, 11, 25, 12, tzinfo=UTC))
        assert in_utc[-2].day == "2026-11-24" and in_utc[-2].delivered == 1
    assert "Day by day (Europe/Warsaw)" in member_client.get("/").text


def test_the_list_for_sending_again_is_named_with_the_time_on_the_accounts_clock(app, account, member_client):
    with app.app_context():
        db.session.get(Account, account.account_id).timezone = "Asia/Tokyo"  # JST all year, 9 h from UTC
        db.session.commit()
    sent = sent_campaign(app, account.account_id, 1, name="Spring sale " + "for everyone " * 8)  # 116
    fail(app, sent.message_ids)
    before = datetime.now(TOKYO).replace(second=0, microsecond=0)
    response = member_client.post(f"/campaigns/{sent.campaign_id}/report/resend", follow_redirects=True)
    name = re.search(r"in the list “(Not reached by [^”]*)”", response.text).group(1)
    stamp = re.fullmatch(r"Not reached by Spring sale for everyone .*… \((.*) JST\)", name).group(1)
    assert before <= datetime.strptime(stamp, "%Y-%m-%d %H:%M").replace(tzinfo=TOKYO) <= datetime.now(TOKYO)
    assert len(name) == 120
