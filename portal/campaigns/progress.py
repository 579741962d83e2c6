"""A campaign's progress for its page: counts by status in one grouped query, rate and time left.

The counts come from the (campaign_id, status) index; test sends are left out. The rate is measured
from the portal's own samples of the done count (kept in Redis for a minute), falling back to the
average since the launch when there are none yet.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from redis.exceptions import RedisError
from sqlalchemy import false, func, select

from portal.extensions import db
from portal.models import Campaign, CampaignStatus, Message, MessageStatus, utcnow
from portal.queue import redis_connection

#: Not yet handed to SMSAPI; everything else counts as done.
NOT_DONE = frozenset({MessageStatus.QUEUED.value, MessageStatus.SENDING.value})
DELIVERED = frozenset({MessageStatus.DELIVERED.value})
FAILED = frozenset(
    {
        MessageStatus.FAILED.value,
        MessageStatus.UNDELIVERED.value,
        MessageStatus.EXPIRED.value,
        MessageStatus.REJECTED.value,
    }
)
WINDOW_SECONDS = 60


@dataclass
class Progress:
    """What the progress fragment shows; `finished` stops its polling."""

    campaign_id: int
    status: str
    counts: dict[str, int] = field(default_factory=dict)
    total: int = 0
    done: int = 0
    messages_per_second: float | None = None
    seconds_left: float | None = None

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else int(100 * self.done / self.total)

    @property
    def delivered(self) -> int:
        return sum(self.counts.get(s, 0) for s in DELIVERED)

    @property
    def failed(self) -> int:
        return sum(self.counts.get(s, 0) for s in FAILED)

    @property
    def finished(self) -> bool:
        return self.status in (CampaignStatus.FINISHED, CampaignStatus.CANCELLED, CampaignStatus.DRAFT)


def campaign_progress(campaign_id: int) -> Progress:
    """Counts by status (one grouped query), messages per second over the last minute, time left."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id))
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    rows = db.session.execute(
        select(Message.status, func.count())
        .where(
            Message.account_id == campaign.account_id,
            Message.campaign_id == campaign_id,
            Message.is_test_send == false(),
        )
        .group_by(Message.status)
    ).all()
    counts = {status: int(count) for status, count in rows}
    total = sum(counts.values())
    done = total - sum(counts.get(s, 0) for s in NOT_DONE)
    progress = Progress(campaign_id, campaign.status, counts, total, done)
    if campaign.status == CampaignStatus.SENDING:
        progress.messages_per_second = _rate(campaign, done)
        if progress.messages_per_second:
            progress.seconds_left = (total - done) / progress.messages_per_second
    return progress


def _rate(campaign: Campaign, done: int) -> float | None:
    """Messages per second over the last minute, from samples of `done` taken by each call."""
    now = time.time()
    key = f"portal:progress:{campaign.id}"
    try:
        connection = redis_connection()
        connection.zadd(key, {f"{now}:{done}": now})
        connection.zremrangebyscore(key, 0, now - WINDOW_SECONDS)
        connection.expire(key, WINDOW_SECONDS * 2)
        oldest = connection.zrange(key, 0, 0)
    except RedisError:
        oldest = []
    if oldest:
        then, then_done = oldest[0].decode().split(":")
        elapsed = now - float(then)
        if elapsed >= 1:
            return max(0.0, (done - int(then_done)) / elapsed)
    if campaign.launched_at is not None:
        elapsed = (utcnow() - campaign.launched_at).total_seconds()
        if elapsed >= 1 and done:
            return done / elapsed
    return None
