"""One transaction per request, job or command: services flush, their caller commits once, so two
services composed in one transaction stand or fall together."""

import ast
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portal import PROJECT_ROOT
from portal.audit import recent_events
from portal.extensions import db
from portal.models import SmsSettings, User
from portal.settings.service import regenerate_callback_secret
from portal.smsapi_account import settings_for, settings_to_change
from portal.users.service import UserRuleError, add_user
from tests.conftest import in_account

#: The modules whose functions other code composes into one transaction.
SERVICE_MODULES = [
    *sorted((PROJECT_ROOT / "portal").glob("*/service.py")),
    PROJECT_ROOT / "portal" / "audit.py",
    PROJECT_ROOT / "portal" / "smsapi_account.py",
]


def _secret(app, account) -> str:
    with in_account(app, account.account_id):
        return settings_for(account.account_id).callback_secret


def test_two_services_in_one_transaction_roll_back_together(app, account):
    before = _secret(app, account)
    with in_account(app, account.account_id):
        admin = db.session.get(User, account.admin_id)
        events_before = len(recent_events(account.account_id))
        regenerate_callback_secret(account.account_id, admin)
        with pytest.raises(UserRuleError):
            add_user(account.account_id, admin, "new@areto-net.example", admin.role, "short")
        db.session.rollback()
        assert len(recent_events(account.account_id)) == events_before
    assert _secret(app, account) == before


def test_a_service_change_is_kept_only_by_the_callers_commit(app, account):
    before = _secret(app, account)
    with in_account(app, account.account_id):
        regenerate_callback_secret(account.account_id, db.session.get(User, account.admin_id))
    assert _secret(app, account) == before  # the context ended without a commit
    with in_account(app, account.account_id):
        regenerate_callback_secret(account.account_id, db.session.get(User, account.admin_id))
        db.session.commit()
    assert _secret(app, account) != before


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_services_never_commit(path: Path):
    calls = [
        node.lineno for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr == "commit"
    ]
    assert calls == [], f"{path.name} commits at lines {calls}: flush, and let the caller commit"


def test_reading_settings_of_an_account_without_a_row_writes_nothing(app, account):
    with in_account(app, account.account_id):
        db.session.execute(delete(SmsSettings))
        db.session.commit()
        settings = settings_for(account.account_id)
        assert settings.test_mode is True and not settings.is_connected
        assert settings not in db.session
        db.session.flush()
        assert db.session.scalar(select(func.count(SmsSettings.id))) == 0


def test_changing_settings_creates_the_row(app, account):
    with in_account(app, account.account_id):
        db.session.execute(delete(SmsSettings))
        db.session.commit()
        settings_to_change(account.account_id).test_mode = True
        db.session.commit()
        assert db.session.scalar(select(func.count(SmsSettings.id))) == 1
