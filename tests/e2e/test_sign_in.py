"""Signing in and out in real Chromium."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.e2e


def sign_in(page, email, password=PASSWORD):
    page.goto("/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_admin_signs_in_and_sees_every_area(page, account):
    sign_in(page, account.admin_email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    nav = page.locator("nav")
    for label in ("Campaigns", "Contacts", "Sender names", "Settings", "Users"):
        expect(nav.get_by_role("link", name=label, exact=True)).to_be_visible()


def test_wrong_password_shows_one_clear_message(page, account):
    sign_in(page, account.admin_email, "not the password")
    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.get_by_label("E-mail")).to_have_value(account.admin_email)


def test_sign_out_returns_to_the_sign_in_page(page, account):
    sign_in(page, account.admin_email)
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You have been signed out.")
    page.goto("/campaigns/")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_member_does_not_see_settings(page, account):
    sign_in(page, account.member_email)
    expect(page.locator("nav").get_by_role("link", name="Campaigns")).to_be_visible()
    expect(page.locator("nav").get_by_role("link", name="Settings")).to_have_count(0)
    page.goto("/settings/")
    expect(page.get_by_role("heading", name="This page is for admins")).to_be_visible()


def test_admin_changes_a_role_in_place(page, account):
    sign_in(page, account.admin_email)
    page.goto("/users/")
    row = page.locator(f"#user-{account.member_id}")
    with page.expect_response(lambda response: response.url.endswith("/role")) as answer:
        row.get_by_label(f"Role of {account.member_email}").select_option("admin")
    assert answer.value.status == 200
    expect(page.locator(f"#user-{account.member_id} select")).to_have_value("admin")
    page.reload()
    expect(page.locator(f"#user-{account.member_id} select")).to_have_value("admin")


def test_layout_fits_a_phone_screen(page, account):
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, account.admin_email)
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
    page.wait_for_load_state("load")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
