"""The Redis connection and the RQ queues, for the web process, the workers and the scheduler."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job

from portal import embedded_redis

log = logging.getLogger(__name__)

#: Queues in priority order: a worker empties `default` before it looks at `bulk`.
QUEUE_NAMES = ("default", "bulk")


def init_app(app: Flask) -> None:
    """Resolve the Redis URL: the configured server, or the embedded one in the instance folder."""
    if app.config.get("REDIS_URL") is None:
        app.config["REDIS_URL"] = embedded_redis.url(app.instance_path)
        app.config["EMBEDDED_REDIS"] = True
    app.config.setdefault("RATELIMIT_STORAGE_URI", _limits_uri(app.config["REDIS_URL"]))


def redis_connection() -> Redis:
    """The app's Redis client, created on first use (starting the embedded server if needed)."""
    app = current_app._get_current_object()
    connection = app.extensions.get("redis")
    if connection is None:
        if app.config.get("EMBEDDED_REDIS"):
            app.extensions["embedded_redis"] = embedded_redis.start(app.instance_path)
        connection = Redis.from_url(app.config["REDIS_URL"])
        app.extensions["redis"] = connection
    return connection


def ensure_embedded_redis() -> None:
    """Start the embedded Redis before a request reads the sign-in limits from it."""
    redis_connection()


def get_queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())


def all_queues() -> list[Queue]:
    return [get_queue(name) for name in QUEUE_NAMES]


def _limits_uri(redis_url: str) -> str:
    # The `limits` package names the unix-socket scheme differently from redis-py.
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    queue: str = "default",
    job_id: str | None = None,
    retry: Retry | None = None,
    job_timeout: int | None = None,
) -> Job | None:
    """Enqueue `func(*args)` for a worker; call it only after the rows it needs are committed.

    A `job_id` makes the job unique: while a job with that id is still queued or running, enqueueing
    it again is a no-op. Returns None when Redis cannot be reached: the work is then picked up by
    the periodic reconciliation that looks for it in the database, so the caller's work is not lost.
    """
    try:
        target = get_queue(queue)
        if job_id is not None:
            existing = _live_job(job_id, target.connection)
            if existing is not None:
                return existing
        return target.enqueue(func, *args, job_id=job_id, retry=retry, job_timeout=job_timeout)
    except RedisError as error:
        log.warning("Could not enqueue %s (%s); it will be picked up again later", func.__name__, error)
        return None


_LIVE_STATUSES = frozenset({"queued", "started", "scheduled", "deferred"})


def _live_job(job_id: str, connection: Redis) -> Job | None:
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None
    return job if job.get_status(refresh=False) in _LIVE_STATUSES else None
