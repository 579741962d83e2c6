"""Every destructive action asks first: without JavaScript a page asks (and only its POST acts); with
it, the control htmx submits carries `hx-confirm`, and htmx gets `HX-Redirect` back, not a page."""

import re

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Campaign, SenderName, User
from portal.smsapi_account import settings_for, settings_to_change
from portal.token_vault import encrypt_token
from tests.conftest import get_user, in_account


@pytest.fixture
def things(app, account):
    """A connected account with a sender name and a draft; returns their paths."""
    with in_account(app, account.account_id):
        settings_to_change(account.account_id).token_ciphertext = encrypt_token("some-token")
        sender = SenderName(account_id=account.account_id, name="SHOP", status="active")
        campaign = Campaign(account_id=account.account_id, name="Spring", message="Hi", created_by_id=None)
        db.session.add_all([sender, campaign])
        db.session.commit()
        return {
            "disconnect": ("/settings/", "/settings/connection/remove", "Disconnect SMSAPI?"),
            "delete sender": ("/senders/", f"/senders/{sender.id}/delete", "Delete SHOP?"),
            "delete draft": ("/campaigns/", f"/campaigns/{campaign.id}/delete", "Delete “Spring”?"),
            "deactivate": ("/users/", f"/users/{account.member_id}/deactivate",
                           f"Deactivate {account.member_email}?"),
        }


def _state(app, account) -> tuple:
    with in_account(app, account.account_id):
        return (
            settings_for(account.account_id).is_connected,
            db.session.scalar(select(SenderName.status)),
            db.session.scalar(select(Campaign.name)),
            db.session.get(User, account.member_id).active,
        )


@pytest.mark.parametrize("action", ["disconnect", "delete sender", "delete draft", "deactivate"])
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


@pytest.mark.parametrize("action", ["disconnect", "delete sender", "delete draft", "deactivate"])
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
