"""Failed htmx requests in real Chromium: a clear message, or sign-in when the session has ended."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e


def _users_page(page, account):
    sign_in(page, account.admin_email)
    page.goto("/users/")
    return page.locator(f"#user-{account.member_id}")


def test_signed_out_in_another_tab_an_htmx_button_leads_to_sign_in(page, account):
    row = _users_page(page, account)
    other_tab = page.context.new_page()
    other_tab.goto("/users/")
    other_tab.get_by_role("button", name="Sign out").click()
    expect(other_tab).to_have_url(re.compile(r"/login$"))
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate").click()
    expect(page).to_have_url(re.compile(r"/login\?next=%2Fusers%2F$"))
    expect(page.get_by_role("status").filter(has_text="Please sign in to continue.")).to_be_visible()


def test_a_server_error_on_an_htmx_request_is_shown(page, account):
    row = _users_page(page, account)
    page.route("**/users/*/deactivate", lambda route: route.fulfill(status=500, body="oops"))
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("alert")).to_contain_text("Something went wrong on our side")
    expect(row).to_contain_text("Active")


def test_an_unreachable_portal_on_an_htmx_request_is_shown(page, account):
    row = _users_page(page, account)
    page.route("**/users/*/deactivate", lambda route: route.abort("connectionrefused"))
    page.once("dialog", lambda dialog: dialog.accept())
    row.get_by_role("button", name="Deactivate").click()
    expect(page.get_by_role("alert")).to_contain_text("The portal could not be reached")
