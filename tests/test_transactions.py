"""One transaction per request, job or command: services flush, their caller commits once, so two
services composed in one transaction stand or fall together."""

import ast
from pathlib import Path

import pytest
from sqlalchemy import delete, func, select

from portal import PROJECT_ROOT
from portal.audit import recent_events
from portal.campaigns.launch import launch_campaign
from portal.extensions import db
from portal.models import AuditEvent, Campaign, CampaignStatus, SmsSettings, User
from portal.settings.service import regenerate_callback_secret
from portal.smsapi_account import settings_for, settings_to_change
from portal.tenancy import account_scope
from portal.users.service import UserRuleError, add_user
from tests.conftest import in_account
from tests.plugins.pipeline import make_ready_campaign, statuses

PORTAL = PROJECT_ROOT / "portal"

#: The modules that own a transaction and so may commit, each for its reason. Every other module of
#: the portal is composed into its caller's transaction: it flushes (or takes a savepoint) and the
#: caller commits once.
TRANSACTION_OWNERS = {
    "cli.py": "a command is one unit of work",
    "jobs.py": "a job is one unit of work",
    "demo.py": "connects the demo account before the processes start",
    "campaigns/sending.py": "the send job's body: claims, then records, around the calls to SMSAPI",
    "campaigns/reconcile.py": "the reconciler's body: each due campaign starts in its own transaction",
    "callbacks/batching.py": "the batching thread stores each group of callbacks in its own transaction",
}


def _is_view_module(path: Path) -> bool:
    """Views (`routes.py`, `launch_routes.py`, ...): a request is one unit of work."""
    return path.name == "routes.py" or path.name.endswith("_routes.py")


def _owns_transaction(path: Path) -> bool:
    return _is_view_module(path) or path.relative_to(PORTAL).as_posix() in TRANSACTION_OWNERS


#: The modules whose functions other code composes into one transaction.
SERVICE_MODULES = [path for path in sorted(PORTAL.rglob("*.py")) if not _owns_transaction(path)]


def _commits(path: Path) -> list[int]:
    """Lines that commit: `.commit()`, or `.begin()` (a transaction that commits when it ends);
    `begin_nested()` is a savepoint inside the caller's transaction and stays allowed."""
    return [
        node.lineno for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in ("commit", "begin")
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


@pytest.mark.parametrize("path", SERVICE_MODULES, ids=lambda path: path.relative_to(PORTAL).as_posix())
def test_services_never_commit(path: Path):
    calls = _commits(path)
    assert calls == [], f"{path.name} commits at lines {calls}: flush, and let the caller commit"


def test_the_scan_covers_every_module_but_the_transaction_owners():
    scanned = {path.relative_to(PORTAL).as_posix() for path in SERVICE_MODULES}
    assert {"audit.py", "smsapi_account.py", "contacts/importer.py", "campaigns/launch.py",
            "campaigns/chains.py", "delivery/apply.py", "reports/resend.py", "sms/client.py"} <= scanned
    assert not scanned & set(TRANSACTION_OWNERS)


@pytest.mark.parametrize("name", sorted(TRANSACTION_OWNERS))
def test_every_module_allowed_to_commit_does_own_a_transaction(name: str):
    assert _commits(PORTAL / name), f"{name} never commits: take it off TRANSACTION_OWNERS"


def test_a_launch_is_one_transaction(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=3)
        events_before = db.session.scalar(select(func.count(AuditEvent.id)))
        campaign = launch_campaign(campaign_id, db.session.get(User, connected.admin_id))
        assert campaign.status == CampaignStatus.SENDING
        assert statuses(campaign_id) == {"queued": 3}  # flushed into the open transaction
        db.session.rollback()
        assert statuses(campaign_id) == {}
        assert db.session.scalar(select(func.count(AuditEvent.id))) == events_before
        assert db.session.get(Campaign, campaign_id).status == CampaignStatus.DRAFT


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
