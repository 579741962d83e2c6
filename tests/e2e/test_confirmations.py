"""Destructive actions in real Chromium: dismissing the dialog changes nothing, accepting it acts."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import (
    Campaign,
    Contact,
    ContactImport,
    ContactList,
    ContactListMember,
    ImportStatus,
    OptOut,
    SenderName,
)
from portal.smsapi_account import settings_for, settings_to_change
from portal.token_vault import encrypt_token
from tests.conftest import get_user, in_account
from tests.e2e.test_sign_in import sign_in
from tests.test_confirmations import list_with_two_contacts

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


@pytest.fixture
def undoable(app, account):
    """A sender name, an opted-out contact on a list and an import under way: (page, control,
    question) of each destructive action on them."""
    with in_account(app, account.account_id):
        contact = Contact(account_id=account.account_id, phone="+48600100200")
        customers = ContactList(account_id=account.account_id, name="Customers")
        upload = ContactImport(account_id=account.account_id, filename="leads.csv", encoding="utf-8",
                               delimiter=",", status=ImportStatus.RUNNING.value)
        db.session.add_all([
            SenderName(account_id=account.account_id, name="SHOP", status="active"),
            contact, customers, upload,
            OptOut(account_id=account.account_id, phone=contact.phone, reason="STOP"),
        ])
        db.session.flush()
        db.session.add(ContactListMember(account_id=account.account_id, list_id=customers.id,
                                         contact_id=contact.id))
        db.session.commit()
        return {
            "delete sender": ("/senders/", "Delete", "Delete SHOP?"),
            "withdraw opt-out": (f"/contacts/{contact.id}", "Withdraw the opt-out",
                                 "Withdraw the opt-out of +48 600 100 200?"),
            "remove from list": (f"/contacts/{contact.id}", "Remove",
                                 "Remove +48 600 100 200 from “Customers”?"),
            "cancel import": (f"/contacts/imports/{upload.id}", "Cancel the import",
                              "Cancel the import of leads.csv?"),
        }


def _rows(app, account) -> tuple:
    with in_account(app, account.account_id):
        return (
            db.session.scalars(db.select(SenderName.status)).all(),
            db.session.scalars(db.select(OptOut.phone)).all(),
            db.session.scalars(db.select(ContactListMember.contact_id)).all(),
            db.session.scalars(db.select(ContactImport.status)).all(),
        )


@pytest.mark.parametrize("action", ["delete sender", "withdraw opt-out", "remove from list", "cancel import"])
def test_dismissing_the_question_changes_nothing(app, page, account, undoable, action):
    path, control, question = undoable[action]
    before = _rows(app, account)
    sign_in(page, account.admin_email)
    page.goto(path)
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    asked = _next_dialog(page, accept=False)
    page.get_by_role("button", name=control, exact=True).click()
    assert asked and asked[0].startswith(question)
    page.reload()
    expect(page.get_by_role("button", name=control, exact=True)).to_be_visible()
    assert posts == []
    assert _rows(app, account) == before


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


def test_removing_ticked_contacts_from_a_list_asks_first(app, page, account):
    list_id, _ = list_with_two_contacts(app, account)
    sign_in(page, account.member_email)
    page.goto(f"/contacts/lists/{list_id}")
    page.get_by_label("Select +48600100200").check()
    remove = page.get_by_role("button", name="Remove the ticked contacts from the list")
    asked = _next_dialog(page, accept=False)
    remove.click()
    assert asked and asked[0].startswith("Remove the ticked contacts from “Customers”?")
    page.reload()
    expect(page.locator("#members tbody tr")).to_have_count(2)

    page.get_by_label("Select +48600100200").check()
    _next_dialog(page, accept=True)
    remove.click()
    expect(page.get_by_text("1 contact removed from the list")).to_be_visible()
    expect(page.locator("#members tbody tr")).to_have_count(1)
