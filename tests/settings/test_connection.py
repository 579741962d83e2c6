"""Connecting an account to SMSAPI: only a token SMSAPI accepts is stored, and only encrypted."""

from decimal import Decimal

import pytest
from sqlalchemy import select, text

from portal.audit import recent_events
from portal.extensions import db
from portal.models import User
from portal.settings import service
from portal.settings.service import (
    SettingsError,
    check_connection,
    connect_token,
    disconnect,
    set_test_mode,
)
from portal.sms.errors import SmsapiAuthError
from portal.smsapi_account import settings_for
from portal.token_vault import decrypt_token
from tests.conftest import in_account


def _admin(account) -> User:
    return db.session.get(User, account.admin_id)


def test_accepted_token_is_stored_encrypted_with_username_and_balance(app, account, smsapi):
    with in_account(app, account.account_id):
        connect_token(account.account_id, _admin(account), "pl", smsapi.token)
        settings = settings_for(account.account_id)
        assert settings.smsapi_username == smsapi.username
        assert settings.points_balance == Decimal("100")
        assert settings.checked_at is not None
        assert settings.token_last4 == smsapi.token[-4:]
        assert decrypt_token(settings.token_ciphertext) == smsapi.token


def test_database_holds_no_plaintext_token(app, account, smsapi):
    with in_account(app, account.account_id):
        connect_token(account.account_id, _admin(account), "pl", smsapi.token)
        for table in ("sms_settings", "audit_event"):
            rows = db.session.execute(text(f"SELECT * FROM {table}")).all()  # noqa: S608
            assert smsapi.token not in repr(rows), table


def test_rejected_token_saves_nothing_and_says_what_to_do(app, account, smsapi):
    with in_account(app, account.account_id):
        with pytest.raises(SettingsError, match="did not accept this token"):
            connect_token(account.account_id, _admin(account), "pl", "not-a-real-token")
        assert settings_for(account.account_id).is_connected is False
        assert recent_events(account.account_id, prefix="settings.") == []


def test_token_of_another_service_names_the_right_one(app, account, smsapi):
    smsapi.add_account("com-token-12345", "com-user", service="com")
    with in_account(app, account.account_id):
        with pytest.raises(SettingsError, match="belongs to SMSAPI.com, not SMSAPI.pl"):
            connect_token(account.account_id, _admin(account), "pl", "com-token-12345")
        assert settings_for(account.account_id).is_connected is False
        connect_token(account.account_id, _admin(account), "com", "com-token-12345")
        assert settings_for(account.account_id).service == "com"
        assert [e.action for e in recent_events(account.account_id, prefix="settings.")] == [
            "settings.service_changed", "settings.token_connected",
        ]


def test_unreachable_smsapi_saves_nothing_and_asks_to_try_again(app, account, smsapi):
    smsapi.faults(unreachable=["api.smsapi.pl", "api2.smsapi.pl"])
    with in_account(app, account.account_id):
        with pytest.raises(SettingsError, match="could not be reached.*try again"):
            connect_token(account.account_id, _admin(account), "pl", smsapi.token)
        assert settings_for(account.account_id).is_connected is False


def test_ip_not_on_the_allowlist_is_explained(app, account, monkeypatch):
    class RefusingClient:
        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def profile(self):
            raise SmsapiAuthError(105, "Invalid IP address")

    monkeypatch.setattr(service, "make_client", lambda token, svc: RefusingClient())
    with in_account(app, account.account_id), pytest.raises(SettingsError, match="not on the token's list"):
        connect_token(account.account_id, _admin(account), "pl", "some-token")


def test_check_again_refreshes_the_balance(app, account, smsapi):
    with in_account(app, account.account_id):
        connect_token(account.account_id, _admin(account), "pl", smsapi.token)
        smsapi.update_account(points="42.5")
        assert check_connection(account.account_id) == ["the points balance is now 42.50 (was 100.00)"]
        assert settings_for(account.account_id).points_balance == Decimal("42.5")
        assert check_connection(account.account_id) == []


def test_disconnect_forgets_the_token_and_goes_back_to_test_mode(app, account, smsapi):
    with in_account(app, account.account_id):
        admin = _admin(account)
        connect_token(account.account_id, admin, "pl", smsapi.token)
        set_test_mode(account.account_id, admin, False, confirmed=True)
        disconnect(account.account_id, admin)
        settings = settings_for(account.account_id)
        assert settings.token_ciphertext is None and settings.smsapi_username is None
        assert settings.test_mode is True
        actions = [e.action for e in recent_events(account.account_id, prefix="settings.")]
        assert actions[:3] == ["settings.test_mode_on", "settings.token_removed", "settings.test_mode_off"]


def test_going_live_needs_a_token_and_a_confirmation(app, account, smsapi):
    with in_account(app, account.account_id):
        admin = _admin(account)
        with pytest.raises(SettingsError, match="Connect your SMSAPI account"):
            set_test_mode(account.account_id, admin, False, confirmed=True)
        connect_token(account.account_id, admin, "pl", smsapi.token)
        with pytest.raises(SettingsError, match="Tick the box"):
            set_test_mode(account.account_id, admin, False)
        assert settings_for(account.account_id).test_mode is True
        set_test_mode(account.account_id, admin, False, confirmed=True)
        assert settings_for(account.account_id).test_mode is False


def test_audit_entries_name_who_and_never_the_token(app, account, smsapi):
    with in_account(app, account.account_id):
        connect_token(account.account_id, _admin(account), "pl", smsapi.token)
        event = recent_events(account.account_id, prefix="settings.")[0]
        assert event.user_id == account.admin_id
        assert event.summary == f"{account.admin_email} connected SMSAPI.pl as {smsapi.username}"
        assert smsapi.token not in repr(event.details)


def test_rotating_the_key_reencrypts_every_token(app, account, smsapi):
    from cryptography.fernet import Fernet

    with in_account(app, account.account_id):
        connect_token(account.account_id, _admin(account), "pl", smsapi.token)
        old_key = app.config["TOKEN_ENCRYPTION_KEYS"][0]
        app.config["TOKEN_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode(), old_key]
        assert service.rotate_token_key() == 1
        app.config["TOKEN_ENCRYPTION_KEYS"] = app.config["TOKEN_ENCRYPTION_KEYS"][:1]
        stored = db.session.scalar(select(service.SmsSettings.token_ciphertext))
        assert decrypt_token(stored) == smsapi.token
