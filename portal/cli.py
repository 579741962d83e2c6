"""Command-line entry points: `flask --app wsgi <command>`."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.extensions import db
from portal.models import Account


def init_app(app: Flask) -> None:
    app.cli.add_command(create_account_command)
    app.cli.add_command(demo_account_command)
    app.cli.add_command(worker_command)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(rotate_token_key_command)
    app.cli.add_command(make_admin_command)


@click.command("create-account")
@with_appcontext
@click.option("--name", prompt="Company name", help="The account's (company's) name.")
@click.option("--email", prompt="Admin e-mail", help="E-mail of the account's first admin.")
@click.password_option("--password", help="The admin's password (asked for when left out).")
def create_account_command(name: str, email: str, password: str) -> None:
    """Create an account with its first admin."""
    from portal.users.service import UserRuleError, create_account

    try:
        admin = create_account(name, email, password)
    except UserRuleError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Account “{admin.account.name}” created. Sign in as {admin.email}.")


@click.command("demo-account")
@with_appcontext
def demo_account_command() -> None:
    """Create a demo account with an admin when there is no account yet, and say how to sign in."""
    from portal.demo import DEMO_ADMIN_EMAIL
    from portal.users.service import create_account

    credentials = Path(current_app.instance_path) / "demo-credentials.txt"
    if db.session.scalar(select(Account.id).limit(1)) is None:
        password = secrets.token_urlsafe(12)
        create_account("Demo company", DEMO_ADMIN_EMAIL, password)
        db.session.commit()
        fd = os.open(credentials, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{DEMO_ADMIN_EMAIL}\n{password}\n")
    if credentials.exists():
        email, password = credentials.read_text().split()[:2]
        click.echo(f"Sign in as {email} with the password {password} (kept in {credentials}).")
    else:
        click.echo("Sign in with an admin of your account (create one with `flask create-account`).")


@click.command("worker")
@with_appcontext
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker on the portal's queues, inside the app."""
    from portal.worker import run_worker

    run_worker(burst=burst)


@click.command("scheduler")
@with_appcontext
def scheduler_command() -> None:
    """Run the RQ cron scheduler that enqueues the periodic jobs."""
    from portal.worker import run_scheduler

    run_scheduler()


@click.command("serve")
@with_appcontext
@click.option("--port", type=int, default=lambda: int(os.environ.get("PORT", "5000")),
              show_default="5000 or $PORT")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--demo", is_flag=True, help="Also run the SMSAPI simulator, with the demo account connected.")
@click.option("--simulator-port", default=9400, show_default=True, help="The simulator's port with --demo.")
def serve_command(port: int, host: str, demo: bool, simulator_port: int) -> None:
    """Run web, worker and scheduler together (and the embedded Redis); Ctrl-C stops them all."""
    from portal.runner import run_all

    run_all(current_app._get_current_object(), host=host, port=port,
            simulator_port=simulator_port if demo else None)


@click.command("rotate-token-key")
@with_appcontext
def rotate_token_key_command() -> None:
    """Re-encrypt every stored SMSAPI token with the newest key of TOKEN_ENCRYPTION_KEYS."""
    from portal.settings.service import rotate_token_key
    from portal.token_vault import TokenUnreadable

    try:
        count = rotate_token_key()
        db.session.commit()
    except TokenUnreadable as error:
        raise click.ClickException(
            "A stored token cannot be decrypted with any configured key: put the old key back "
            "(after the new one) and run this again."
        ) from error
    click.echo(f"{count} token(s) re-encrypted with the newest key; older keys can now be removed.")


@click.command("make-admin")
@with_appcontext
@click.argument("email")
def make_admin_command(email: str) -> None:
    """Make the user with this e-mail an active admin of their account (e.g. when no admin is left)."""
    from portal.users.service import UserRuleError, make_admin

    try:
        user = make_admin(email)
    except UserRuleError as error:
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"{user.email} is now an active admin of “{user.account.name}”.")
