"""The RQ worker and scheduler processes, run inside the app so jobs see its config and database."""

from __future__ import annotations

import gc
import os

from flask import current_app
from rq import Queue, SimpleWorker, Worker
from rq.cron import CronScheduler
from rq.job import Job
from sqlalchemy.orm import configure_mappers

from portal.campaigns.chains import SEND_QUEUE
from portal.extensions import db
from portal.queue import all_queues, job_path, redis_connection, run_in_app
from portal.schedule import PERIODIC_JOBS

#: How long the thread that listens for RQ's commands (stop a job, shut down) waits for one before it
#: looks again. RQ gives it 60 s; redis-py (8.2) waits for that thread when the worker quits, and a
#: worker that quits before the thread has seen its subscription then waited the whole 60 s.
COMMAND_WAIT_SECONDS = 1.0


class PromptToQuit:
    """For an RQ worker class: its command listener looks again every COMMAND_WAIT_SECONDS, so the
    worker quits within about that time, never a minute later."""

    def subscribe(self) -> None:
        self.pubsub = self.connection.pubsub()
        self.pubsub.subscribe(**{self.pubsub_channel_name: self.handle_payload})
        self.pubsub_thread = self.pubsub.run_in_thread(
            sleep_time=COMMAND_WAIT_SECONDS, daemon=True, exception_handler=self._pubsub_exception_handler
        )


class PortalWorker(PromptToQuit, Worker):
    """RQ's worker, which runs each job in a forked child (a job's memory, and a crash, stay its
    own), except the send queue's jobs, which it runs itself, like RQ's `SimpleWorker`.

    A campaign is sent as a stream of short jobs of one chunk each. Forked, every one of them paid
    for the fork and its copied pages, a new database connection and that connection's cold caches:
    on bench/send.py's set-up (PostgreSQL, 2 workers, the simulator answering after 30 ms), campaigns
    of 30,000 went out at 3,500-3,900 messages/s forked and at 5,400-5,600 in-process. A worker
    killed in the middle of one loses nothing more than a killed child would: the messages' leases
    run out and they are sent again with the same idx.
    """

    def execute_job(self, job: Job, queue: Queue) -> None:
        if queue.name == SEND_QUEUE:
            SimpleWorker.execute_job(self, job, queue)
        else:
            super().execute_job(job, queue)

    def get_heartbeat_ttl(self, job: Job, working_time: float = 0.0) -> int:
        # A job run in-process cannot be watched while it runs: the worker's heartbeat must outlast it.
        if job.origin == SEND_QUEUE:
            return SimpleWorker.get_heartbeat_ttl(self, job, working_time)
        return super().get_heartbeat_ttl(job, working_time)


def run_worker(*, burst: bool = False) -> None:
    """Work the queues until stopped; `with_scheduler` runs delayed jobs and retries with intervals."""
    # A forked job must not share the parent's database connections.
    os.register_at_fork(after_in_child=lambda: db.engine.dispose(close=False))
    prepare_for_forked_jobs()
    freeze_what_is_loaded()
    worker = PortalWorker(all_queues(), connection=redis_connection())
    worker.work(burst=burst, with_scheduler=True)


def prepare_for_forked_jobs() -> None:
    """Do once in the worker what every forked job would otherwise redo from scratch: import the job
    modules, configure the ORM mappers, and initialise the database dialect with one connection
    (closed again, so no child inherits a socket)."""
    import portal.jobs  # noqa: F401  (the job functions and everything they import)

    configure_mappers()
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SELECT 1")
    db.engine.dispose()


def freeze_what_is_loaded() -> None:
    """Set everything loaded so far aside from the cyclic garbage collector (`gc.freeze`): it lives
    as long as the worker, yet each full collection walked all of it again. Sending makes short-lived
    rows, texts and answers by the thousand, which keep triggering collections: on bench/send.py
    (sampled with perf) they took about 15% of the worker's CPU, and 4% after the freeze; the same
    campaign went out 7% faster. A forked job also leaves the frozen objects' pages shared with the
    worker, where a collection in the child would have written to them and copied them."""
    gc.collect()
    gc.freeze()


def make_scheduler() -> CronScheduler:
    """A scheduler with every periodic job registered, each wrapped in `run_in_app` like any job."""
    scheduler = CronScheduler(connection=redis_connection())
    for job in PERIODIC_JOBS:
        path = job_path(job.func)
        scheduler.register(
            run_in_app, queue_name=job.queue, args=(path,), name=path,
            interval=job.interval(current_app.config), job_timeout=job.timeout,
            # A run still waiting when the next is due is dropped, so a busy queue never piles them up.
            ttl=max(job.interval(current_app.config), 1),
        )
    return scheduler


def run_scheduler() -> None:
    """Enqueue each periodic job on its interval; run one scheduler per deployment."""
    make_scheduler().start()
