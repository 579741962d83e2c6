"""Sender names in real Chromium: register, approval at SMSAPI, check now, make default."""

import pytest
from playwright.sync_api import expect

from portal.extensions import db
from portal.models import User
from portal.settings.service import connect_token
from tests.conftest import in_account
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def test_admin_adds_a_name_sees_it_approved_and_makes_it_default(app, page, account, simulator):
    app.config["SMSAPI_API_URL"] = simulator.url
    with in_account(app, account.account_id):
        connect_token(account.account_id, db.session.get(User, account.admin_id), "pl", simulator.token)
        db.session.commit()
    sign_in(page, account.admin_email)
    page.goto("/senders/")
    page.get_by_label("New sender name").fill("ARETONET")
    page.get_by_role("button", name="Register with SMSAPI").click()
    card = page.locator("article.sender", has_text="ARETONET")
    expect(card.locator(".badge-pending")).to_have_text("Pending")

    simulator.decide_sender_name("ARETONET", approve=True)
    page.get_by_role("button", name="Check now with SMSAPI").click()
    expect(card.locator(".badge-active")).to_have_text("Active")
    expect(page.locator("#names")).to_contain_text("ARETONET is now active (was pending)")

    card.get_by_role("button", name="Make default").click()
    expect(page.get_by_role("status").filter(has_text="ARETONET is now the default sender")).to_be_visible()
    expect(page.locator("article.sender", has_text="ARETONET").locator(".badge-default")).to_be_visible()
