"""Destructive actions in real Chromium: dismissing the dialog changes nothing, accepting it acts."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import Campaign
from portal.smsapi_account import settings_for, settings_to_change
from portal.token_vault import encrypt_token
from tests.conftest import get_user, in_account
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def _next_dialog(page, *, accept: bool) -> list[str]:
    """Answer the next dialog; the returned list gets its message."""
    asked: list[str] = []

    def answer(dialog):
        asked.append(dialog.message)
        if accept:
            dialog.accept()
        else:
            dialog.dismiss()

    page.once("dialog", answer)
    return asked


def test_deactivating_a_user_asks_first(app, page, account):
    sign_in(page, account.admin_email)
    page.goto("/users/")
    row = page.locator(f"#user-{account.member_id}")
    asked = _next_dialog(page, accept=False)
    row.get_by_role("button", name="Deactivate").click()
    assert asked == [f"Deactivate {account.member_email}? They will be signed out and cannot sign in "
                     "until reactivated."]
    page.reload()
    expect(row).to_contain_text("Active")
    assert get_user(app, account.member_email).active

    _next_dialog(page, accept=True)
    row.get_by_role("button", name="Deactivate").click()
    expect(row).to_contain_text("Deactivated")
    assert not get_user(app, account.member_email).active


def test_deleting_a_draft_asks_first(app, page, account):
    with in_account(app, account.account_id):
        db.session.add(Campaign(account_id=account.account_id, name="Spring", message="Hi"))
        db.session.commit()
    sign_in(page, account.admin_email)
    page.goto("/campaigns/")
    asked = _next_dialog(page, accept=False)
    page.get_by_role("link", name="Delete").click()
    assert asked and asked[0].startswith("Delete “Spring”?")
    page.reload()
    expect(page.get_by_role("table")).to_contain_text("Spring")

    _next_dialog(page, accept=True)
    page.get_by_role("link", name="Delete").click()
    expect(page.get_by_role("status").filter(has_text="Campaign “Spring” deleted.")).to_be_visible()
    with in_account(app, account.account_id):
        assert db.session.query(Campaign).count() == 0


def test_disconnecting_smsapi_asks_first(app, page, account):
    with in_account(app, account.account_id):
        settings = settings_to_change(account.account_id)
        settings.token_ciphertext, settings.token_last4 = encrypt_token("token-1234"), "1234"
        db.session.commit()
    sign_in(page, account.admin_email)
    page.goto("/settings/")
    asked = _next_dialog(page, accept=False)
    page.get_by_role("button", name="Disconnect").click()
    assert asked and asked[0].startswith("Disconnect SMSAPI?")
    page.reload()
    expect(page.locator("#connection")).to_contain_text("ending in …1234")

    _next_dialog(page, accept=True)
    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("status").filter(has_text="SMSAPI is disconnected")).to_be_visible()
    with in_account(app, account.account_id):
        assert not settings_for(account.account_id).is_connected
