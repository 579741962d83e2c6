"""Reliability with real processes: a worker killed mid-campaign, Redis down at launch, SMSAPI
failing a fifth of its calls, points running out. Counted at the simulator: each recipient exactly once."""

from __future__ import annotations

import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from portal.campaigns.launch import launch_campaign, resume_campaign, start_sending
from portal.extensions import db
from portal.models import Campaign, Message, User
from portal.tenancy import account_scope
from tests.plugins.pipeline import make_ready_campaign, statuses

pytestmark = pytest.mark.reliability

FINAL_HERE = {"submitted", "failed", "skipped", "cancelled"}


@pytest.fixture
def pipeline(app, connected, simulator):
    """Settings that make the failures show within seconds: small chunks, short leases, 2 s ticks."""
    app.config.update(SEND_CHUNK_SIZE=200, SEND_BATCH_SIZE=100, SEND_THREADS=2, SEND_LEASE_SECONDS=3,
                      SEND_RETRY_BASE_SECONDS=0.05, SEND_ATTEMPTS=10, RECONCILE_INTERVAL=2,
                      SMSAPI_READ_TIMEOUT=0.5)
    simulator.update_account(points="100000")
    return connected


def _launch(app, setup, recipients: int, *, enqueue: bool = True) -> int:
    with app.app_context():
        campaign_id = make_ready_campaign(setup, recipients=recipients)
        with account_scope(setup.account_id):
            launch_campaign(campaign_id, db.session.get(User, setup.admin_id))
            db.session.commit()
            if enqueue:
                start_sending(campaign_id)
    return campaign_id


def _count(app, campaign_id: int, status: str) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).where(Message.campaign_id == campaign_id, Message.status == status)
            .execution_options(all_accounts=True)
        )


def _wait_until_finished(app, campaign_id: int, timeout: float = 300) -> dict[str, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with app.app_context():
            campaign = db.session.get(Campaign, campaign_id)
            counts = statuses(campaign_id)
            if campaign.status == "finished" and not {"queued", "sending"} & set(counts):
                return counts
            if campaign.status == "paused" and "sending" not in counts:
                return counts
        time.sleep(0.3)
    with app.app_context():
        pytest.fail(f"not finished: {statuses(campaign_id)}, {db.session.get(Campaign, campaign_id).status}")


def _accepted_per_number(simulator, campaign_id) -> Counter:
    """How many messages the simulator accepted for each number (real sends carry our idx)."""
    return Counter(m["number"] for m in simulator.messages() if m["idx"])


def test_a_worker_killed_mid_campaign_leaves_every_recipient_with_exactly_one_message(
    app, pipeline, simulator, processes
):
    simulator.faults(latency=0.15)
    campaign_id = _launch(app, pipeline, 2000)
    first = processes.start("worker")
    deadline = time.monotonic() + 60
    while _count(app, campaign_id, "submitted") < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    processes.kill(first)
    assert _count(app, campaign_id, "submitted") < 2000, "the worker finished before it was killed"
    processes.start("worker")
    processes.start("scheduler")
    counts = _wait_until_finished(app, campaign_id)
    assert counts == {"submitted": 2000}
    accepted = _accepted_per_number(simulator, campaign_id)
    assert len(accepted) == 2000 and set(accepted.values()) == {1}


def test_redis_down_at_launch_loses_nothing_and_sends_once(
    app, pipeline, simulator, processes, private_redis
):
    private_redis.start()
    app.config["REDIS_URL"] = private_redis.url
    app.extensions.pop("redis", None)
    private_redis.stop()
    campaign_id = _launch(app, pipeline, 300)  # the launch succeeds; nothing could be enqueued
    with app.app_context():
        assert db.session.get(Campaign, campaign_id).status == "sending"
    private_redis.start()
    processes.start("worker")
    processes.start("scheduler")
    assert _wait_until_finished(app, campaign_id) == {"submitted": 300}
    accepted = _accepted_per_number(simulator, campaign_id)
    assert len(accepted) == 300 and set(accepted.values()) == {1}


def test_smsapi_failing_a_fifth_of_calls_still_sends_everyone_once(app, pipeline, simulator, processes):
    simulator.faults(fail_rate=0.1, timeout_rate=0.1, timeout_seconds=1.0, seed=11)
    campaign_id = _launch(app, pipeline, 1000)
    processes.start("worker")
    processes.start("scheduler")
    assert _wait_until_finished(app, campaign_id) == {"submitted": 1000}
    accepted = _accepted_per_number(simulator, campaign_id)
    assert len(accepted) == 1000 and set(accepted.values()) == {1}


def test_points_running_out_pause_the_campaign_and_resume_finishes_it_once(
    app, pipeline, simulator, processes
):
    campaign_id = _launch(app, pipeline, 600)
    simulator.update_account(points=str(0.16 * 250))  # runs out mid-campaign
    processes.start("worker")
    processes.start("scheduler")
    counts = _wait_until_finished(app, campaign_id)
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id)
        assert campaign.status == "paused"
        assert "no points left" in campaign.paused_reason
    assert counts["queued"] > 0 and counts["submitted"] + counts["queued"] == 600
    simulator.update_account(points="1000")
    with app.app_context(), account_scope(pipeline.account_id):
        resume_campaign(campaign_id, db.session.get(User, pipeline.admin_id))
        db.session.commit()
        start_sending(campaign_id)
    assert _wait_until_finished(app, campaign_id) == {"submitted": 600}
    accepted = _accepted_per_number(simulator, campaign_id)
    assert len(accepted) == 600 and set(accepted.values()) == {1}
