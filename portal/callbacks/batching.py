"""The callback requests of one web process that arrive together, answered together.

SMSAPI reports a big campaign's messages in thousands of requests a second, most of them carrying a
single report. Each request on its own would cost a transaction and a commit. Here a request's
thread hands the request to the process's batching thread and waits for its answer; the batching
thread takes everything waiting (up to `MAX_REPORTS` reports), judges each request on its own
(`service`), and stores each account's accepted requests together and commits them once, so one
transaction serves every request that came while the previous one committed. This thread is the
caller that commits; a group that fails is stored again request by request, so one request's failure
is never another's. A request is answered only after its reports are committed: SMSAPI's `OK` still
means stored. A request that comes alone is answered at once; while they come together, a
batch waits half a millisecond for the ones on their way.

On PostgreSQL the batching thread keeps one connection in autocommit for as long as it runs (each
account's reports are one statement, atomic by itself), so a batch costs at most two round trips:
the secret lookup (spared for a secret found current within the last second) and the statement.
A connection that fails is closed, and the batch tried once more on a new one. The thread ends
after IDLE_SECONDS without a request, and starts again with the next.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections.abc import Sequence

from flask import Flask
from sqlalchemy import Connection

from portal.callbacks.service import (
    NOT_STORED,
    Accepted,
    Answer,
    CallbackRequest,
    RecentSecrets,
    judge_callbacks,
    store_accepted,
)
from portal.extensions import db

log = logging.getLogger(__name__)

#: At most about this many reports in one transaction (one request of more goes alone).
MAX_REPORTS = 2000
#: While requests come together, a batch waits this long for more to join it: fewer, larger
#: transactions for a little latency. A request that comes alone is answered at once.
GATHER_SECONDS = 0.0005
#: The batching thread ends (closing its connection) after this long without a request.
IDLE_SECONDS = 10.0
#: A request unanswered after this long gets 503 (SMSAPI sends it again).
ANSWER_TIMEOUT_SECONDS = 60.0
BUSY = Answer(503, "The portal is too busy to store these reports now: please send them again.")


class _Waiting:
    """A request and its answer to come: the lock is held until the answer is set (lighter than an
    Event, for the one wait and the one wake each request needs)."""

    __slots__ = ("request", "answer", "_unanswered")

    def __init__(self, request: CallbackRequest) -> None:
        self.request = request
        self.answer = NOT_STORED
        self._unanswered = threading.Lock()
        self._unanswered.acquire()

    def set(self, answer: Answer) -> None:
        self.answer = answer
        self._unanswered.release()

    def wait(self, timeout: float) -> bool:
        return self._unanswered.acquire(timeout=timeout)


class CallbackBatcher:
    """One per application and process: `answer(request)` from any thread."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._serving: int | None = None  # the process whose batching thread runs, if one does
        self._connection: Connection | None = None  # the batching thread's own
        self._recent = RecentSecrets()  # the batching thread's own

    def answer(self, request: CallbackRequest) -> Answer:
        waiting = _Waiting(request)
        with self._lock:
            self._queue.put(waiting)
            if self._serving != os.getpid():  # none yet, gone idle, or the parent's (a forked worker)
                self._serving = os.getpid()
                self._connection = None  # a parent's is not this process's to use
                threading.Thread(target=self._serve, name="callback-batches", daemon=True).start()
        if not waiting.wait(ANSWER_TIMEOUT_SECONDS):
            return BUSY
        return waiting.answer

    def _serve(self) -> None:
        try:
            with self.app.app_context():  # one for the thread's life; the session is removed after each batch
                self._serve_in_app()
        except BaseException:
            # Never expected (a batch's own errors are answered): the next request starts another thread.
            log.exception("the callback batching thread stopped")
            with self._lock:
                self._serving = None
            self._close_connection()
            raise

    def _serve_in_app(self) -> None:
        together = 1  # requests in the last batch
        while True:
            try:
                first = self._queue.get(timeout=IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():  # else a request came just now: serve it
                        self._serving = None
                        self._close_connection()
                        return
                continue
            if together > 1:  # requests come together: let the ones on their way join this batch
                time.sleep(GATHER_SECONDS)
            batch = [first]
            reports = first.request.size
            while reports < MAX_REPORTS:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
                reports += batch[-1].request.size
            together = len(batch)
            self._answer(batch)

    def _answer(self, batch: Sequence[_Waiting]) -> None:
        requests = [one.request for one in batch]
        try:
            answers = self._answers(requests)
        except Exception:
            log.exception("a batch of %d callback requests could not be answered", len(batch))
            answers = [NOT_STORED] * len(batch)
        finally:
            db.session.remove()
        for one, answer in zip(batch, answers, strict=True):
            one.set(answer)

    def _answers(self, requests: Sequence[CallbackRequest]) -> list[Answer]:
        if db.engine.dialect.name != "postgresql":
            return _answer_batch(requests, None, self._recent)
        for attempt in (1, 2):
            if self._connection is None:
                self._connection = db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            try:
                return _answer_batch(requests, self._connection, self._recent)
            except Exception:
                lost = connection_lost(self._connection)
                self._close_connection()
                if attempt == 2 or not lost:
                    raise
                log.warning("the callback connection was lost; trying the batch on a new one")
        raise AssertionError("unreachable")

    def _close_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:
                log.debug("closing a failed callback connection", exc_info=True)


def _answer_batch(
    requests: Sequence[CallbackRequest], connection: Connection | None, recent: RecentSecrets
) -> list[Answer]:
    """Judge the requests, then store each account's accepted ones and commit them together. If that
    fails, each is stored and committed alone, so that one request's failure is never another's. A
    lost connection is raised for the caller to replace."""
    judged = judge_callbacks(requests, connection=connection, recent=recent)
    answers = judged.answers
    for account_id, group in judged.accepted.items():
        failed = _store(account_id, group, connection)
        if failed and len(group) > 1:
            log.warning("%d callback requests of account %s failed together; storing each alone",
                        len(group), account_id)
            failed = [one for one in group if _store(account_id, [one], connection)]
        for one in failed:
            answers[one.position] = NOT_STORED
    return answers


def _store(account_id: int, group: Sequence[Accepted], connection: Connection | None) -> list[Accepted]:
    """Store and commit `group`; the requests that could not be stored (all or none)."""
    transaction = connection if connection is not None else db.session
    try:
        store_accepted(account_id, group, connection)
        transaction.commit()  # on a connection in autocommit, only SQLAlchemy's own bookkeeping
    except Exception:
        if connection is not None and connection_lost(connection):
            raise
        transaction.rollback()
        log.exception("delivery reports of account %s not stored", account_id)
        return list(group)
    return []


def connection_lost(connection: Connection) -> bool:
    """Whether `connection` is closed or broken (the server went away), not merely refused a statement."""
    if connection.closed or connection.invalidated:
        return True
    try:
        return bool(connection.connection.driver_connection.closed)
    except Exception:  # noqa: BLE001 - whatever went wrong, it cannot be used
        return True
