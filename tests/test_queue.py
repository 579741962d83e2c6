"""The enqueue helper and the job wrapper: every job runs in its own app context and session, whatever
worker runs it; duplicates by `job_id` are refused; transient failures are retried with backoff."""

import pytest
from rq.job import Job, JobStatus
from rq.registry import ScheduledJobRegistry
from sqlalchemy import delete, text, update

from portal import create_app
from portal.extensions import db
from portal.models import ContactList, User
from portal.queue import TRANSIENT_RETRY, UncommittedWrites, enqueue, get_queue, job_path, redis_connection
from portal.tenancy import account_scope, current_account_id
from tests.in_process_worker import InProcessWorker

#: What the jobs below saw, for the test to inspect after the worker ran them.
SEEN: dict = {}


def report_context(user_id: int) -> str:
    """A job: loads a row, and tells which account and session it ran with."""
    session = db.session()
    SEEN.update(account=current_account_id(), session=session)
    return db.session.get(User, user_id, execution_options={"all_accounts": True}).email


def fail_after_loading(user_id: int) -> None:
    """A job that fails halfway, with a row loaded in its session."""
    SEEN["session"] = db.session()
    db.session.get(User, user_id, execution_options={"all_accounts": True})
    raise ConnectionError("SMSAPI went away")


def _work(app) -> None:
    InProcessWorker(get_queue(), connection=redis_connection()).work(burst=True)


def test_a_job_gets_a_fresh_app_context_and_session_removed_at_the_end(app, account):
    SEEN.clear()
    with app.app_context(), account_scope(account.account_id):
        mine = db.session()
        job = enqueue(report_context, account.admin_id)
        _work(app)
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED
        assert job.return_value() == account.admin_email
        assert SEEN["account"] is None  # the job's own `g`: it scopes itself
        assert SEEN["session"] is not mine
        assert len(SEEN["session"].identity_map) == 0  # removed (closed) when the job ended
        assert current_account_id() == account.account_id


def test_a_failing_job_still_removes_its_session_and_is_retried_later(app, account):
    SEEN.clear()
    with app.app_context():
        job = enqueue(fail_after_loading, account.admin_id)
        _work(app)
        job.refresh()
        assert len(SEEN["session"].identity_map) == 0
        assert job.get_status() == JobStatus.SCHEDULED
        assert job.id in ScheduledJobRegistry(queue=get_queue())
        assert job.retries_left == TRANSIENT_RETRY.max - 1


def test_transient_failures_are_retried_with_backoff_by_default(app, account):
    with app.app_context():
        job = enqueue(report_context, account.admin_id)
        assert job.retries_left == 3 and job.retry_intervals == [10, 60, 300]
        assert enqueue(report_context, account.admin_id, retry=None).retries_left is None


def test_a_job_id_refuses_a_duplicate_while_the_first_is_live(app, account):
    with app.app_context():
        first = enqueue(report_context, account.admin_id, job_id="report-1")
        second = enqueue(report_context, account.admin_id, job_id="report-1")
        assert second.id == first.id and get_queue().count == 1
        _work(app)
        again = enqueue(report_context, account.admin_id, job_id="report-1")
        assert again.get_status() == JobStatus.QUEUED and get_queue().count == 1


def test_the_job_is_the_wrapper_naming_the_function(app, account):
    with app.app_context():
        job = enqueue(report_context, account.admin_id)
        stored = Job.fetch(job.id, connection=redis_connection())
        assert stored.func_name == "portal.queue.run_in_app"
        assert stored.args == ("tests.test_queue.report_context", account.admin_id)


def test_only_module_level_functions_can_be_jobs():
    def nested():
        return None

    with pytest.raises(ValueError, match="not a module-level function"):
        job_path(nested)


def test_redis_has_connect_and_read_timeouts_and_health_checks(app):
    with app.app_context():
        options = redis_connection().connection_pool.connection_kwargs
    assert options["socket_connect_timeout"] == 5
    assert options["socket_timeout"] == 10
    assert options["health_check_interval"] == 30


def test_enqueue_without_redis_returns_none_and_the_caller_goes_on(tmp_path, database, account):
    unreachable = create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path),
                              "SQLALCHEMY_DATABASE_URI": "sqlite://", "REDIS_URL": "redis://127.0.0.1:1/0"})
    with unreachable.app_context():
        assert enqueue(report_context, 1) is None



def _change_a_name(account) -> None:
    db.session.get(User, account.admin_id).email = "renamed@areto-net.example"


def _add_a_list(account) -> None:
    db.session.add(ContactList(account_id=account.account_id, name="Customers"))


#: Ways a caller writes without committing; each must keep `enqueue` from running.
UNCOMMITTED = {
    "a changed row": _change_a_name,
    "a new row": _add_a_list,
    "a flushed row": lambda account: (_add_a_list(account), db.session.flush()),
    "a deleted row": lambda account: (_add_a_list(account), db.session.flush(), db.session.commit(),
                                      db.session.delete(db.session.query(ContactList).one())),
    "an UPDATE": lambda account: db.session.execute(update(User).values(active=True)),
    "a DELETE": lambda account: db.session.execute(delete(ContactList)),
    "a text statement": lambda account: db.session.execute(text("UPDATE account SET name = 'Other'")),
    "a flush before a savepoint": lambda account: (_add_a_list(account), db.session.flush(),
                                                   db.session.begin_nested().commit()),
}


@pytest.mark.parametrize("write", UNCOMMITTED)
def test_enqueue_refuses_while_the_session_holds_uncommitted_writes(app, account, write):
    with app.app_context(), account_scope(account.account_id):
        UNCOMMITTED[write](account)
        with pytest.raises(UncommittedWrites, match="commit the rows a job needs first, then enqueue"):
            enqueue(report_context, account.admin_id)
        assert get_queue().count == 0
        db.session.commit()
        assert enqueue(report_context, account.admin_id) is not None
        assert get_queue().count == 1


def test_enqueue_goes_ahead_after_reads_or_a_rollback(app, account):
    with app.app_context(), account_scope(account.account_id):
        db.session.get(User, account.admin_id)
        db.session.execute(text("SELECT 1"))
        user = db.session.get(User, account.admin_id)
        user.email = user.email  # set to what it was: nothing to write
        assert enqueue(report_context, account.admin_id, job_id="after-reads") is not None
        _add_a_list(account)
        db.session.flush()
        db.session.rollback()
        assert enqueue(report_context, account.admin_id, job_id="after-rollback") is not None
        assert get_queue().count == 2
