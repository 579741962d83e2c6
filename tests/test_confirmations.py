"""Every destructive action asks first: without JavaScript a page asks (and only its POST acts); with
it, the control htmx submits carries `hx-confirm`, and htmx gets `HX-Redirect` back, not a page."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from sqlalchemy import select

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
    User,
)
from portal.smsapi_account import settings_for, settings_to_change
from portal.token_vault import encrypt_token
from tests.conftest import get_user, in_account

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
#: What makes htmx issue a request, and so ask `hx-confirm`'s question first.
REQUESTS = {"hx-get", "hx-post", "hx-put", "hx-patch", "hx-delete"}
VOID_ELEMENTS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                 "track", "wbr"}


@pytest.fixture
def things(app, account):
    """A connected account with a sender name, a draft, an opted-out contact on a list and an import
    under way; returns their paths."""
    with in_account(app, account.account_id):
        settings_to_change(account.account_id).token_ciphertext = encrypt_token("some-token")
        sender = SenderName(account_id=account.account_id, name="SHOP", status="active")
        campaign = Campaign(account_id=account.account_id, name="Spring", message="Hi", created_by_id=None)
        contact = Contact(account_id=account.account_id, phone="+48600100200")
        customers = ContactList(account_id=account.account_id, name="Customers")
        upload = ContactImport(account_id=account.account_id, filename="leads.csv", encoding="utf-8",
                               delimiter=",", status=ImportStatus.RUNNING.value)
        db.session.add_all([sender, campaign, contact, customers, upload,
                            OptOut(account_id=account.account_id, phone=contact.phone, reason="STOP")])
        db.session.flush()
        db.session.add(ContactListMember(account_id=account.account_id, list_id=customers.id,
                                         contact_id=contact.id))
        db.session.commit()
        return {
            "disconnect": ("/settings/", "/settings/connection/remove", "Disconnect SMSAPI?"),
            "delete sender": ("/senders/", f"/senders/{sender.id}/delete", "Delete SHOP?"),
            "delete draft": ("/campaigns/", f"/campaigns/{campaign.id}/delete", "Delete “Spring”?"),
            "deactivate": ("/users/", f"/users/{account.member_id}/deactivate",
                           f"Deactivate {account.member_email}?"),
            "withdraw opt-out": (f"/contacts/{contact.id}", f"/contacts/{contact.id}/opt-in",
                                 "Withdraw the opt-out of +48 600 100 200?"),
            "remove from list": (f"/contacts/{contact.id}",
                                 f"/contacts/{contact.id}/lists/{customers.id}/remove",
                                 "Remove +48 600 100 200 from “Customers”?"),
            "cancel import": (f"/contacts/imports/{upload.id}", f"/contacts/imports/{upload.id}/cancel",
                              "Cancel the import of leads.csv?"),
        }


ACTIONS = ["disconnect", "delete sender", "delete draft", "deactivate", "withdraw opt-out",
           "remove from list", "cancel import"]


def _state(app, account) -> tuple:
    with in_account(app, account.account_id):
        return (
            settings_for(account.account_id).is_connected,
            db.session.scalar(select(SenderName.status)),
            db.session.scalar(select(Campaign.name)),
            db.session.get(User, account.member_id).active,
            db.session.scalar(select(OptOut.phone)),
            db.session.scalar(select(ContactListMember.list_id)),
            db.session.scalar(select(ContactImport.status)),
        )


@pytest.mark.parametrize("action", ACTIONS)
def test_without_javascript_the_control_opens_a_page_that_asks_and_changes_nothing(
    app, admin_client, account, things, action
):
    listing, path, question = things[action]
    before = _state(app, account)
    page = admin_client.get(listing).data.decode()
    assert f'href="{path}"' in page  # a plain link: it works without JavaScript
    asked = admin_client.get(path)
    assert asked.status_code == 200
    html = asked.data.decode()
    assert question in html
    assert re.search(rf'<form method="post" action="{re.escape(path)}"', html)
    assert _state(app, account) == before


@pytest.mark.parametrize("action", ACTIONS)
def test_with_javascript_the_control_htmx_submits_asks_first(admin_client, things, action):
    listing, path, question = things[action]
    page = admin_client.get(listing).data.decode()
    control = re.search(rf'<a href="{re.escape(path)}"[^>]*>', page, re.S).group(0)
    assert f'hx-post="{path}"' in control
    assert f'hx-confirm="{question}' in control.replace("&#34;", '"').replace("&#8220;", "“").replace(
        "&#8221;", "”")


def test_regenerating_the_callback_url_asks_with_and_without_javascript(admin_client):
    page = admin_client.get("/settings/").data.decode()
    form = re.search(r'<form method="post" action="/settings/callback-secret"[^>]*>', page).group(0)
    assert 'hx-post="/settings/callback-secret"' in form and "hx-confirm=" in form
    assert 'hx-target="#callback" hx-select="#callback"' in form
    response = admin_client.post("/settings/callback-secret", headers={"HX-Request": "true"})
    # The unticked box refused it: the card comes back with the reason under the box.
    assert response.status_code == 422
    assert 'id="new-callback-confirm-help" class="field-error">Tick the box' in response.data.decode()


def test_confirmed_htmx_disconnect_answers_with_hx_redirect(app, admin_client, account, things):
    response = admin_client.post("/settings/connection/remove", headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/settings/"
    assert _state(app, account)[0] is False


def test_confirmed_plain_post_deletes_the_draft(app, admin_client, account, things):
    response = admin_client.post(things["delete draft"][1])
    assert response.status_code == 302
    assert _state(app, account)[2] is None


def test_deactivating_asks_only_for_an_active_user(app, admin_client, account, things):
    admin_client.post(things["deactivate"][1])
    assert not get_user(app, account.member_email).active
    again = admin_client.get(things["deactivate"][1])
    assert again.status_code == 302 and again.headers["Location"] == "/users/"


@pytest.mark.parametrize(("action", "changed"), [("withdraw opt-out", 4), ("remove from list", 5),
                                                 ("cancel import", 6)])
def test_a_confirmed_htmx_post_acts_and_answers_with_hx_redirect(app, admin_client, account, things, action,
                                                                 changed):
    listing, path, _question = things[action]
    before = _state(app, account)
    response = admin_client.post(path, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"].startswith(listing)
    after = _state(app, account)
    assert [index for index, value in enumerate(after) if value != before[index]] == [changed]


class _Confirmations(HTMLParser):
    """Elements with `hx-confirm` that htmx never submits: no request attribute of their own and no
    `hx-boost` around them (a plain form or link with `hx-confirm` goes without asking)."""

    def __init__(self):
        super().__init__()
        self.open: list[tuple[str, bool]] = []  # (tag, boosted) of each element not yet closed
        self.silent: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = {name for name, _value in attrs}
        boosted = ("hx-boost" in names) or any(inside for _tag, inside in self.open)
        if "hx-confirm" in names and not names & REQUESTS and not boosted:
            self.silent.append(self.get_starttag_text())
        if tag not in VOID_ELEMENTS:
            self.open.append((tag, boosted))

    def handle_endtag(self, tag):
        for index in range(len(self.open) - 1, -1, -1):
            if self.open[index][0] == tag:
                del self.open[index:]
                break


def confirmations_never_asked(source: str) -> list[str]:
    """In a template's source; Jinja tags become spaces and expressions a word, so an attribute
    written inside `{% if %}` counts as present."""
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"{%.*?%}", " ", source, flags=re.S)
    source = re.sub(r"{{.*?}}", "x", source, flags=re.S)
    parser = _Confirmations()
    parser.feed(source)
    return parser.silent


def test_the_scan_finds_a_confirmation_htmx_never_asks():
    assert confirmations_never_asked(
        '<form method="post" action="/a" hx-confirm="Sure?"><button>Go</button></form>'
        '<a href="{{ url }}" hx-post="{{ url }}" hx-confirm="Sure?">Go</a>'
        '<div hx-boost="true"><form method="post" action="/b" hx-confirm="Sure?"></form></div>'
        '<form method="post" action="/c" {% if x %}hx-post="/c"{% endif %} hx-confirm="Sure?"></form>'
    ) == ['<form method="post" action="/a" hx-confirm="Sure?">']


def test_every_hx_confirm_in_the_templates_is_on_a_control_htmx_submits():
    silent = {
        str(path.relative_to(TEMPLATES)): found
        for path in sorted(TEMPLATES.rglob("*.html"))
        if (found := confirmations_never_asked(path.read_text(encoding="utf-8")))
    }
    assert silent == {}


def list_with_two_contacts(app, account) -> tuple[int, list[int]]:
    """A list “Customers” with +48600100200 and +48600100201 on it: (list id, contact ids)."""
    with in_account(app, account.account_id):
        customers = ContactList(account_id=account.account_id, name="Customers")
        contacts = [Contact(account_id=account.account_id, phone=f"+4860010020{n}") for n in range(2)]
        db.session.add_all([customers, *contacts])
        db.session.flush()
        db.session.add_all([ContactListMember(account_id=account.account_id, list_id=customers.id,
                                              contact_id=contact.id) for contact in contacts])
        db.session.commit()
        return customers.id, [contact.id for contact in contacts]


def _members(app, account) -> int:
    with in_account(app, account.account_id):
        return len(db.session.scalars(select(ContactListMember.contact_id)).all())


def test_removing_ticked_contacts_from_a_list_asks_first_without_javascript(app, member_client, account):
    list_id, ids = list_with_two_contacts(app, account)
    ticked = {"contact_id": [str(i) for i in ids]}
    asked = member_client.post(f"/contacts/lists/{list_id}/remove", data=ticked)
    page = asked.data.decode()
    assert asked.status_code == 200
    assert "Remove 2 contacts from “Customers”?" in page
    assert page.count('name="contact_id"') == 2 and 'name="confirmed" value="yes"' in page
    assert _members(app, account) == 2
    done = member_client.post(f"/contacts/lists/{list_id}/remove",
                              data={"contact_id": [str(ids[0])], "confirmed": "yes"})
    assert done.status_code == 302
    assert _members(app, account) == 1


def test_removing_ticked_contacts_asks_in_the_browser_and_htmx_goes_to_the_list(app, member_client, account):
    list_id, ids = list_with_two_contacts(app, account)
    page = member_client.get(f"/contacts/lists/{list_id}").data.decode()
    form = re.search(r'<form[^>]*action="/contacts/lists/\d+/remove"[^>]*>', page).group(0)
    assert 'hx-confirm="Remove the ticked contacts from' in form and "hx-post=" in form
    assert "hx-vals='{\"confirmed\": \"yes\"}'" in form
    done = member_client.post(f"/contacts/lists/{list_id}/remove", headers={"HX-Request": "true"},
                              data={"contact_id": [str(i) for i in ids], "confirmed": "yes"})
    assert done.headers["HX-Redirect"] == f"/contacts/lists/{list_id}"
    assert _members(app, account) == 0
