"""The Redis connection, the RQ queues, and the one way to enqueue a job.

How a job gets its app context: `enqueue(func, ...)` does not enqueue `func` itself but
`run_in_app("module.func", ...)`, which runs `func` in a fresh app context with its own database
session, removed at the end. That holds whatever worker runs it (`flask worker`, a plain `rq worker`,
a `SimpleWorker` in a test), because the wrapper is part of the job, not of the worker. Periodic jobs
are registered with the scheduler the same way (`portal.worker.make_scheduler`).

A job is enqueued only after the rows it needs are committed: a fast worker would otherwise look for
rows not yet there, or for rows a rollback then takes away. `enqueue` refuses while the session
holds writes not yet committed (the session events below track them).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.utils import import_attribute
from sqlalchemy import TextClause, event
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from portal import embedded_redis
from portal.extensions import db

log = logging.getLogger(__name__)

#: Queues in priority order: a worker empties `default` before it looks at `bulk`.
QUEUE_NAMES = ("default", "bulk")

#: A Redis that stops answering must not hang a web request or a job: connect and read give up after
#: these many seconds, and an idle pooled connection is checked before it is used again. (RQ workers
#: raise the read timeout of their own connection above their blocking dequeue on their own.)
REDIS_CONNECT_TIMEOUT = 5
REDIS_READ_TIMEOUT = 10
REDIS_HEALTH_CHECK_INTERVAL = 30

#: What a transient failure (SMSAPI or the database briefly unreachable) gets by default: three more
#: attempts, backing off. Pass `retry=None` for a job that must not be repeated.
TRANSIENT_RETRY = Retry(max=3, interval=[10, 60, 300])


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
        connection = Redis.from_url(
            app.config["REDIS_URL"],
            socket_connect_timeout=REDIS_CONNECT_TIMEOUT,
            socket_timeout=REDIS_READ_TIMEOUT,
            health_check_interval=REDIS_HEALTH_CHECK_INTERVAL,
        )
        app.extensions["redis"] = connection
    return connection


def ensure_embedded_redis() -> None:
    """Start the embedded Redis before a request reads the sign-in limits from it.

    A Redis that cannot be started fails no request: sign-in counts in memory meanwhile (logged)."""
    try:
        redis_connection()
    except (RedisError, OSError, RuntimeError) as error:
        log.warning("The embedded Redis could not be started (%s); requests go on without it", error)


def get_queue(name: str = "default") -> Queue:
    return Queue(name, connection=redis_connection())


def all_queues() -> list[Queue]:
    return [get_queue(name) for name in QUEUE_NAMES]


def _limits_uri(redis_url: str) -> str:
    # The `limits` package names the unix-socket scheme differently from redis-py.
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://") :]
    return redis_url


_DEFAULT_RETRY: Any = object()


def enqueue(
    func: Callable[..., Any],
    *args: Any,
    queue: str = "default",
    job_id: str | None = None,
    retry: Retry | None = _DEFAULT_RETRY,
    job_timeout: int | None = None,
) -> Job | None:
    """Enqueue `func(*args)` for a worker; call it only AFTER the rows it needs are committed.

    `func` is a module-level function (in `portal.jobs`) taking ids; it runs through `run_in_app`.
    A `job_id` makes the job unique: while a job with that id is queued, scheduled or running,
    enqueueing it again returns that job instead (atomically, in Redis). `retry` defaults to
    `TRANSIENT_RETRY`. Returns None when Redis cannot be reached: the work is then picked up by the
    periodic reconciliation that looks for it in the database, so the caller's work is not lost.
    """
    if retry is _DEFAULT_RETRY:
        retry = TRANSIENT_RETRY
    path = job_path(func)
    if has_uncommitted_writes(db.session()):
        raise UncommittedWrites(
            f"{path} was enqueued while the database session holds writes not yet committed: commit the "
            "rows a job needs first, then enqueue it (a worker could otherwise run before they exist)"
        )
    options = {"job_id": job_id, "retry": retry, "job_timeout": job_timeout,
               "description": f"{path}{args!r}", "unique": job_id is not None}
    try:
        target = get_queue(queue)
        try:
            return target.enqueue(run_in_app, path, *args, **options)
        except DuplicateJobError:
            existing = _live_job(job_id, target.connection)
            if existing is not None:
                return existing
            # The earlier job with this id has ended (finished or failed): this is a new run.
            Job.fetch(job_id, connection=target.connection).delete()
            try:
                return target.enqueue(run_in_app, path, *args, **options)
            except DuplicateJobError:
                return Job.fetch(job_id, connection=target.connection)
    except RedisError as error:
        log.warning("Could not enqueue %s (%s); it will be picked up again later", path, error)
        return None


class UncommittedWrites(RuntimeError):
    """`enqueue` was called before the caller committed its writes."""


#: Where a session notes that its open transaction has written something.
_WROTE = "portal.wrote_in_transaction"
#: Text statements that only read; any other text statement counts as a write.
_READS = re.compile(r"\s*select\b", re.IGNORECASE)


def has_uncommitted_writes(session: Session) -> bool:
    """Objects added, deleted or changed but not flushed, or statements run in the open transaction
    that wrote (flushes, INSERT / UPDATE / DELETE, text that is not a SELECT)."""
    if session.info.get(_WROTE) or session.new or session.deleted:
        return True
    return any(session.is_modified(instance) for instance in session.dirty)


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _note_write(state: ORMExecuteState) -> None:
    statement = state.statement
    writes = _READS.match(statement.text) is None if isinstance(statement, TextClause) else statement.is_dml
    if writes:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: SessionTransaction) -> None:
    # Only the outermost transaction: a savepoint released or rolled back leaves the writes around it.
    if transaction.parent is None:
        session.info.pop(_WROTE, None)


def job_path(func: Callable[..., Any]) -> str:
    """The dotted name a job function is imported by in the worker (it must be module-level)."""
    path = f"{func.__module__}.{func.__qualname__}"
    if "<" in path or "." in func.__qualname__:
        raise ValueError(f"{path} is not a module-level function: a worker could not import it")
    return path


def run_in_app(path: str, *args: Any, **kwargs: Any) -> Any:
    """Run the job function `path` in a fresh app context with its own database session.

    The app is the one already current in this process (`flask worker`, a test), else one created
    once per process from the environment (a plain `rq worker`). The new app context has its own
    `g` (no account set: the job sets it with `account_scope`) and its own scoped session, which
    Flask-SQLAlchemy removes when the context ends, after a commit or on any failure.
    """
    func = import_attribute(path)
    with _job_app().app_context():
        return func(*args, **kwargs)


_process_app: Flask | None = None


def _job_app() -> Flask:
    global _process_app
    if has_app_context():
        return current_app._get_current_object()
    if _process_app is None:
        from portal import create_app

        _process_app = create_app()
    return _process_app


_LIVE_STATUSES = frozenset({"queued", "started", "scheduled", "deferred"})


def _live_job(job_id: str, connection: Redis) -> Job | None:
    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return None
    return job if job.get_status(refresh=False) in _LIVE_STATUSES else None
