"""Settings -> SMS in real Chromium: connecting a token, a wrong token, copying the callback URL."""

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture
def settings_page(app, page, account, simulator):
    app.config["SMSAPI_API_URL"] = simulator.url
    sign_in(page, account.admin_email)
    page.goto("/settings/")
    return page


def test_admin_connects_a_token_and_sees_username_and_balance(settings_page, simulator):
    page = settings_page
    page.get_by_label("SMSAPI service").select_option("pl")
    page.get_by_label("API token").fill(simulator.token)
    page.get_by_role("button", name="Check and save the token").click()
    card = page.locator("#connection")
    expect(card).to_contain_text(f"Connected to SMSAPI.pl as {simulator.username}")
    expect(card).to_contain_text("100.00")
    simulator.update_account(points="12.5")
    card.get_by_role("button", name="Check again").click()
    expect(card).to_contain_text("Checked just now: the points balance is now 12.50 (was 100.00).")
    card.get_by_role("button", name="Check again").click()
    expect(card).to_contain_text("Checked just now, nothing changed.")


def test_wrong_token_shows_the_message_and_saves_nothing(settings_page):
    page = settings_page
    page.get_by_label("API token").fill("wrong-token-0000")
    page.get_by_role("button", name="Check and save the token").click()
    expect(page.locator("#connection")).to_contain_text("SMSAPI did not accept this token")
    expect(page.get_by_label("API token")).to_have_value("")
    expect(page.locator("#connection")).to_contain_text("Not connected yet")


def test_copy_button_copies_the_callback_url(settings_page, portal_server):
    page = settings_page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=portal_server.url)
    url = page.locator("#callback-url").input_value()
    assert url.startswith("https://portal.example/api/smsApi/update?account=")
    assert "&secret=" in url
    page.locator("#callback").get_by_role("button", name="Copy").click()
    expect(page.locator("#callback").get_by_role("button", name="Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == url
