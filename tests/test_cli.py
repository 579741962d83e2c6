"""The command line: creating accounts, the demo account, and the periodic jobs the scheduler runs."""

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Account, User
from portal.schedule import PERIODIC_JOBS


def test_create_account_makes_an_account_with_its_first_admin(app):
    result = app.test_cli_runner().invoke(
        args=["create-account", "--name", "Areto Net", "--email", "Boss@Areto.example",
              "--password", "a long enough password"],
    )
    assert result.exit_code == 0, result.output
    assert "Sign in as boss@areto.example" in result.output
    with app.app_context():
        admin = db.session.scalar(
            select(User).where(User.email == "boss@areto.example").execution_options(all_accounts=True)
        )
        assert admin.is_admin and admin.account.name == "Areto Net"


def test_create_account_refuses_a_short_password_and_writes_nothing(app):
    result = app.test_cli_runner().invoke(
        args=["create-account", "--name", "X", "--email", "x@x.example", "--password", "short"],
    )
    assert result.exit_code != 0
    assert "at least 12 characters" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(Account.id))) == 0


def test_demo_account_is_created_once_and_its_sign_in_is_printed_each_time(app, client, auth):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo-account"])
    second = runner.invoke(args=["demo-account"])
    assert first.exit_code == 0 and second.exit_code == 0
    assert first.output == second.output
    email, password = first.output.split("Sign in as ")[1].split(" with the password ")
    password = password.split(" ")[0]
    with app.app_context():
        assert db.session.scalar(select(func.count(Account.id))) == 1
    assert auth.login(email, password).status_code == 302


def test_the_scheduler_runs_the_sender_name_sync_on_its_interval(app):
    jobs = {f"{job.func.__module__}.{job.func.__name__}": job for job in PERIODIC_JOBS}
    sync = jobs["portal.jobs.sync_sender_names"]
    assert sync.interval(app.config) == app.config["SENDER_SYNC_INTERVAL"] == 600


def test_serve_reads_its_ports_as_numbers(app, monkeypatch):
    from portal import runner

    seen = {}
    monkeypatch.setattr(runner, "run_all", lambda app, **options: seen.update(options))
    command = ["serve", "--port", "5055", "--demo", "--simulator-port", "9455"]
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 0, result.output
    assert seen == {"host": "127.0.0.1", "port": 5055, "simulator_port": 9455}
    result = app.test_cli_runner().invoke(args=["serve", "--port", "web"])
    assert result.exit_code != 0 and "'web' is not a valid integer" in result.output
