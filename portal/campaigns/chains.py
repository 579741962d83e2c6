"""Which send jobs a campaign has in the queue: at most SEND_JOBS_PER_CAMPAIGN chains of jobs.

Each chain is one job at a time that claims a chunk, sends it, then enqueues its successor at the
back of the queue. So a campaign of a million holds at most a few places in the queue and a small
campaign enqueued later is served after at most that many chunks of each other campaign: a round
robin over campaigns. A Redis key per chain names its current job; it expires with the lease, so a
chain whose worker died is restarted by the reconciler, and a job that is no longer its chain's
current one exits without work (no chain doubles).
"""

from __future__ import annotations

import logging

from flask import current_app
from redis.exceptions import RedisError
from rq.exceptions import NoSuchJobError
from rq.job import Job

from portal.queue import enqueue, redis_connection

log = logging.getLogger(__name__)

SEND_QUEUE = "bulk"
TEST_QUEUE = "default"
_LIVE = frozenset({"queued", "started", "scheduled", "deferred"})


def _key(campaign_id: int, slot: int) -> str:
    return f"portal:send-chain:{campaign_id}:{slot}"


def job_id(campaign_id: int, slot: int, seq: int) -> str:
    return f"send-{campaign_id}-{slot}-{seq}"


def _queued_ttl() -> int:
    """How long a chain counts as alive while its job waits in the queue or runs."""
    return max(60, 4 * current_app.config["SEND_LEASE_SECONDS"])


def start(campaign_id: int) -> None:
    """Make sure a committed campaign in `sending` has its chains, and its test sends a job."""
    from portal.campaigns.dispatch import campaign_needs_jobs

    needs = campaign_needs_jobs(campaign_id)
    if needs is None:
        return
    account_id, campaign_sending, tests_queued = needs
    if tests_queued:
        from portal import jobs

        enqueue(
            jobs.send_test_messages,
            account_id,
            campaign_id,
            queue=TEST_QUEUE,
            job_id=f"send-test-{campaign_id}",
        )
    if campaign_sending:
        for slot in range(current_app.config["SEND_JOBS_PER_CAMPAIGN"]):
            ensure_chain(account_id, campaign_id, slot)


def ensure_chain(account_id: int, campaign_id: int, slot: int) -> bool:
    """Start chain `slot` of the campaign unless its current job is alive; False if Redis is down."""
    try:
        connection = redis_connection()
        current = connection.get(_key(campaign_id, slot))
        if current is not None and _alive(current.decode(), connection):
            return True
        seq = int(connection.incr(f"portal:send-chain-seq:{campaign_id}"))
    except RedisError as error:
        log.warning(
            "Redis unavailable; campaign %s will be enqueued by the reconciler (%s)", campaign_id, error
        )
        return False
    return enqueue_link(account_id, campaign_id, slot, seq)


def enqueue_link(account_id: int, campaign_id: int, slot: int, seq: int) -> bool:
    """Enqueue job `seq` of a chain and make it the chain's current job."""
    from portal import jobs

    identifier = job_id(campaign_id, slot, seq)
    try:
        redis_connection().set(_key(campaign_id, slot), identifier, ex=_queued_ttl())
    except RedisError:
        return False
    job = enqueue(
        jobs.send_campaign_chunk,
        account_id,
        campaign_id,
        slot,
        seq,
        queue=SEND_QUEUE,
        job_id=identifier,
        job_timeout=current_app.config["SEND_LEASE_SECONDS"],
    )
    return job is not None


def is_current(campaign_id: int, slot: int, seq: int) -> bool:
    """Whether job `seq` is still its chain's current job (else another took over: exit)."""
    value = redis_connection().get(_key(campaign_id, slot))
    return value is not None and value.decode() == job_id(campaign_id, slot, seq)


def refresh(campaign_id: int, slot: int) -> None:
    """Keep a running chain alive for another lease period."""
    redis_connection().expire(_key(campaign_id, slot), _queued_ttl())


def end(campaign_id: int, slot: int, seq: int) -> None:
    """Forget a chain that has nothing more to do (only if `seq` is still its current job)."""
    if is_current(campaign_id, slot, seq):
        redis_connection().delete(_key(campaign_id, slot))


def _alive(identifier: str, connection) -> bool:
    try:
        job = Job.fetch(identifier, connection=connection)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in _LIVE
