"""The callback URL SMSAPI calls, and finding the account it names by its secret."""

from datetime import timedelta

import pytest

from portal.audit import recent_events
from portal.extensions import db
from portal.models import User, utcnow
from portal.settings.service import regenerate_callback_secret
from portal.smsapi_account import (
    account_for_callback,
    callback_account,
    callback_host_out_of_reach,
    callback_url,
    settings_for,
)
from tests.conftest import in_account


def test_callback_url_is_absolute_with_the_accounts_secret(app, account):
    with in_account(app, account.account_id):
        settings = settings_for(account.account_id)
        assert callback_url(settings) == (
            f"https://portal.example/api/smsApi/update?account={account.account_id}"
            f"&secret={settings.callback_secret}"
        )


def test_secret_finds_its_own_account_only(app, make_account):
    first, second = make_account("First"), make_account("Second")
    with in_account(app, first.account_id):
        first_secret = settings_for(first.account_id).callback_secret
    with in_account(app, second.account_id):
        second_secret = settings_for(second.account_id).callback_secret
    with app.app_context():
        first_id, second_id = str(first.account_id), str(second.account_id)
        assert account_for_callback(first_id, first_secret) == first.account_id
        assert account_for_callback(second_id, second_secret) == second.account_id
        assert account_for_callback(first_id, second_secret) is None
        for wrong in ("", None, first_secret[:-1], first_secret + "x", "nothing"):
            assert account_for_callback(first_id, wrong) is None
        for wrong_account in ("", None, "999", "1 OR 1=1", "-1"):
            assert account_for_callback(wrong_account, first_secret) is None


def test_regenerating_keeps_the_old_url_working_for_72_hours_only(app, account):
    with in_account(app, account.account_id):
        old = settings_for(account.account_id).callback_secret
        before = utcnow()
        regenerate_callback_secret(account.account_id, db.session.get(User, account.admin_id))
        new = settings_for(account.account_id).callback_secret
        assert new != old
        account_id = str(account.account_id)
        assert account_for_callback(account_id, new) == account.account_id
        assert account_for_callback(account_id, old) == account.account_id
        in_71_hours, in_73_hours = before + timedelta(hours=71), before + timedelta(hours=73)
        assert callback_account(account_id, old, now=in_71_hours).account_id == account.account_id
        assert callback_account(account_id, old, now=in_73_hours) is None
        assert callback_account(account_id, new, now=in_73_hours).account_id == account.account_id
        event = recent_events(account.account_id, prefix="settings.")[0]
        assert event.action == "settings.callback_secret_regenerated"
        assert "keeps working for 72 hours" in event.summary


def test_regenerating_twice_retires_the_first_secret_at_once(app, account):
    with in_account(app, account.account_id):
        first = settings_for(account.account_id).callback_secret
        admin = db.session.get(User, account.admin_id)
        regenerate_callback_secret(account.account_id, admin)
        second = settings_for(account.account_id).callback_secret
        regenerate_callback_secret(account.account_id, admin)
        account_id = str(account.account_id)
        assert account_for_callback(account_id, first) is None
        assert account_for_callback(account_id, second) == account.account_id


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:5000", "http://localhost:5000", "http://[::1]:5000", "http://10.0.0.7",
    "http://192.168.1.20:8000", "http://portal.local", "http://sms-portal",
])
def test_callback_hosts_smsapi_cannot_reach_are_named(url):
    assert callback_host_out_of_reach(url + "/api/smsApi/update?account=1") is not None


@pytest.mark.parametrize("url", ["https://sms.example.com", "https://203.0.114.9", "http://[2a00:1450::1]"])
def test_public_callback_hosts_are_fine(url):
    assert callback_host_out_of_reach(url + "/api/smsApi/update?account=1") is None


def test_settings_page_warns_about_a_local_callback_url_and_names_the_setting(app, admin_client):
    assert "callback-unreachable" not in admin_client.get("/settings/").data.decode()
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    page = admin_client.get("/settings/").data.decode()
    assert "SMSAPI cannot reach this address: <strong>127.0.0.1</strong>" in page
    assert "<code>PUBLIC_BASE_URL</code>" in page
