"""Test mode: the portal makes the reports SMSAPI never sends, through the same apply as callbacks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from portal import jobs
from portal.delivery import simulated
from portal.delivery.simulated import is_simulated_undelivered
from portal.extensions import db
from portal.models import DeliveryReport
from tests.messages import message_state, sent_campaign
from tests.plans import analyze, rows_read, skip_unless_postgresql


def test_due_test_mode_messages_get_simulated_reports_once(app, account):
    app.config.update(TEST_MODE_REPORT_DELAY=10, TEST_MODE_UNDELIVERED_SHARE=0.3)
    sent = sent_campaign(app, account.account_id, 20, test_mode=True, submitted_ago=timedelta(seconds=30))
    with app.app_context():
        assert jobs.simulate_test_mode_reports() == 20
        assert jobs.simulate_test_mode_reports() == 0
        reports = db.session.scalars(select(DeliveryReport).execution_options(all_accounts=True)).all()
    assert len(reports) == 20 and all(r.simulated and r.message_id for r in reports)
    expected = ["undelivered" if is_simulated_undelivered(mid, 0.3) else "delivered"
                for mid in sent.message_ids]
    assert [message_state(app, mid).status for mid in sent.message_ids] == expected
    assert 0 < expected.count("undelivered") < 20


def test_live_messages_and_recent_test_messages_are_left_to_wait(app, account):
    app.config.update(TEST_MODE_REPORT_DELAY=60)
    live = sent_campaign(app, account.account_id, 2, test_mode=False, submitted_ago=timedelta(minutes=5))
    recent = sent_campaign(app, account.account_id, 2, test_mode=True, submitted_ago=timedelta(seconds=5))
    with app.app_context():
        assert jobs.simulate_test_mode_reports() == 0
    for mid in live.message_ids + recent.message_ids:
        assert message_state(app, mid).status == "submitted"


def test_the_undelivered_share_is_stable_and_proportionate():
    assert [is_simulated_undelivered(n, 0.1) for n in range(50)] == [
        is_simulated_undelivered(n, 0.1) for n in range(50)
    ]
    share = sum(is_simulated_undelivered(n, 0.1) for n in range(1, 10001)) / 10000
    assert 0.08 < share < 0.12
    assert not any(is_simulated_undelivered(n, 0.0) for n in range(1, 1000))


def test_looking_for_due_test_mode_messages_reads_only_them(app, account, monkeypatch):
    skip_unless_postgresql(app)
    app.config.update(TEST_MODE_REPORT_DELAY=10)
    sent_campaign(app, account.account_id, 3000, record_ids=False, submitted_ago=timedelta(days=2))
    sent_campaign(app, account.account_id, 3, test_mode=True, submitted_ago=timedelta(minutes=1))
    analyze(app)
    found = []
    monkeypatch.setattr(simulated, "apply_delivery_reports",
                        lambda account_id, reports, *args, **kwargs: found.extend(reports))

    def look():
        with app.app_context():
            assert jobs.simulate_test_mode_reports() == 3

    # Every few seconds, whatever else the table holds: the 3 due rows, found twice (the accounts
    # with some, then each account's), and no other row.
    assert rows_read(app, "message", look) == 6
    assert len(found) == 3
