"""Jobs through real Redis and real worker processes, and the scheduler enqueueing on its tick."""

import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rq.job import JobStatus
from sqlalchemy import select

from portal import PROJECT_ROOT, jobs
from portal.campaigns.chains import SEND_QUEUE
from portal.extensions import db
from portal.models import SenderName, User
from portal.queue import all_queues, enqueue, get_queue, redis_connection
from portal.schedule import PERIODIC_JOBS
from portal.senders.service import register_sender_name
from portal.settings.service import connect_token
from portal.worker import make_scheduler
from tests.conftest import in_account
from tests.in_process_worker import InProcessWorker


@pytest.fixture
def pending_name(app, account, simulator):
    """The account connected to the simulator, with ARETONET registered and waiting for approval."""
    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=2.0)
    with in_account(app, account.account_id):
        admin = db.session.get(User, account.admin_id)
        connect_token(account.account_id, admin, "pl", simulator.token)
        register_sender_name(account.account_id, admin, "ARETONET")
        db.session.commit()
    return "ARETONET"


def _status(app, account, name: str) -> str:
    with in_account(app, account.account_id):
        return db.session.scalar(select(SenderName.status).where(SenderName.name == name))


#: `flask worker --burst` as its own process: it works the queues until they are empty, then exits.
BURST_WORKER = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"]


def _worker_env(app) -> dict:
    """The environment that points a worker process at the test's database, Redis and SMSAPI."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        REDIS_URL=app.config["REDIS_URL"],
        SECRET_KEY=app.config["SECRET_KEY"],
        TOKEN_ENCRYPTION_KEYS=",".join(app.config["TOKEN_ENCRYPTION_KEYS"]),
        SMSAPI_API_URL=app.config["SMSAPI_API_URL"],
    )
    return env


def _worker_process(app, *args: str) -> subprocess.CompletedProcess:
    """`flask worker --burst` as its own process, on the test's database, Redis and SMSAPI."""
    return subprocess.run(  # noqa: S603
        [*BURST_WORKER, *args],
        cwd=PROJECT_ROOT, env=_worker_env(app), capture_output=True, text=True, timeout=120, check=False,
    )


def process_id() -> int:
    """A job that answers which process ran it."""
    return os.getpid()


def frozen_objects() -> int:
    """A job that answers how many objects its process has set aside from the garbage collector."""
    return gc.get_freeze_count()


def test_a_real_job_runs_through_redis_in_a_burst_worker_process(app, account, simulator, pending_name):
    simulator.decide_sender_name(pending_name, approve=True)
    with app.app_context():
        job = enqueue(jobs.sync_sender_names, job_id="sync-sender-names")
    _assert_synced(app, account, job, _worker_process(app), pending_name)


def _assert_synced(app, account, job, finished: subprocess.CompletedProcess, pending_name: str) -> None:
    """The worker ran the sender-name sync to the end and the approved name is active."""
    assert finished.returncode == 0, finished.stderr
    with app.app_context():
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED, finished.stderr
        assert job.return_value()[account.account_id].startswith("ok")
    assert _status(app, account, pending_name) == "active"


#: A plain `rq worker`, knowing nothing of Flask: the job wrapper builds the app it runs in.
PLAIN_RQ_WORKER = [str(Path(sys.executable).with_name("rq")), "worker", "--burst"]


def test_a_job_the_portal_enqueued_runs_under_a_plain_rq_worker_too(app, account, simulator, pending_name):
    simulator.decide_sender_name(pending_name, approve=True)
    with app.app_context():
        job = enqueue(jobs.sync_sender_names, job_id="sync-sender-names")
    finished = subprocess.run(  # noqa: S603
        [*PLAIN_RQ_WORKER, "--url", app.config["REDIS_URL"], "default"],
        cwd=PROJECT_ROOT, env=_worker_env(app), capture_output=True, text=True, timeout=120, check=False,
    )
    _assert_synced(app, account, job, finished, pending_name)


def test_send_jobs_run_in_the_worker_itself_and_other_jobs_in_a_forked_child(app):
    with app.app_context():
        send = enqueue(process_id, queue=SEND_QUEUE)
        other = enqueue(process_id, queue="default")
    worker = subprocess.Popen(  # noqa: S603
        BURST_WORKER,
        cwd=PROJECT_ROOT, env=_worker_env(app), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output, _ = worker.communicate(timeout=120)
    assert worker.returncode == 0, output
    with app.app_context():
        send.refresh()
        other.refresh()
        assert send.get_status() == other.get_status() == JobStatus.FINISHED, output
        assert send.return_value() == worker.pid
        assert other.return_value() not in (worker.pid, None)


def test_the_scheduler_enqueues_the_sender_sync_on_its_first_tick(app, account, simulator, pending_name):
    simulator.decide_sender_name(pending_name, approve=False)
    with app.app_context():
        scheduler = make_scheduler()
        due = scheduler.enqueue_jobs()
        names = [job.name for job in due]
        assert names == [f"portal.jobs.{job.func.__name__}" for job in PERIODIC_JOBS]
        assert "portal.jobs.sync_sender_names" in names
        assert scheduler.enqueue_jobs() == []  # not due again before its interval
        queued = get_queue().get_jobs()
        assert [job.args for job in queued] == [(name,) for name in names]
        InProcessWorker(get_queue(), connection=redis_connection()).work(burst=True)
        assert all(job.get_status(refresh=True) == JobStatus.FINISHED for job in queued)
    assert _status(app, account, pending_name) == "rejected"


def test_a_worker_quits_at_once_even_before_its_command_listener_saw_its_subscription(app):
    from redis import Redis

    from portal.worker import PortalWorker

    with app.app_context():
        connection = Redis.from_url(app.config["REDIS_URL"])  # a new worker's own connection
        worker = PortalWorker(all_queues(), connection=connection)
        started = time.monotonic()
        worker.subscribe()
        worker.unsubscribe()  # as a burst worker that found nothing to do quits
        assert time.monotonic() - started < 10
        connection.close()


def test_the_worker_sets_what_it_loaded_at_start_aside_from_the_garbage_collector(app):
    # Sending makes short-lived objects by the million; every full collection walked the whole
    # loaded app again with them (bench/send.py: about 15% of the worker's CPU).
    with app.app_context():
        job = enqueue(frozen_objects, queue=SEND_QUEUE)
    finished = _worker_process(app)
    assert finished.returncode == 0, finished.stderr
    with app.app_context():
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED, finished.stderr
        assert job.return_value() > 100_000  # the app, SQLAlchemy's models, RQ, the job modules
