"""The Redis connection and the RQ queues, for the web process, the workers and the scheduler."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

from portal import embedded_redis

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
