"""What `make demo` sets up, in real Chromium: the demo account made by `flask demo-account`, connected
to a simulator process started with the demo's flags, signed into with the password it printed."""

import re

import pytest
from playwright.sync_api import expect

from portal import demo
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def demo_sign_in(app, simulator_process) -> tuple[str, str]:
    """The demo account as `make demo` leaves it; returns the e-mail and password it printed."""
    printed = app.test_cli_runner().invoke(args=["demo-account"]).output
    email, password = re.search(r"Sign in as (\S+) with the password (\S+) ", printed).groups()
    simulator = simulator_process(*demo.simulator_flags(), token=demo.DEMO_TOKEN, username=demo.DEMO_USERNAME)
    with app.app_context():
        assert demo.connect_demo_account(simulator.url) == email
    return email, password


def _scroll_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_demo_admin_saves_a_draft_without_scrolling_sideways(browser, portal_server, demo_sign_in,
                                                                viewport):
    phone = viewport is PHONE
    context = browser.new_context(base_url=portal_server.url, viewport=viewport, is_mobile=phone,
                                  has_touch=phone)
    context.set_default_timeout(10_000)
    page = context.new_page()
    sign_in(page, *demo_sign_in)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    page.wait_for_load_state()  # measured with the stylesheets applied, not while they still load
    assert _scroll_width(page) <= viewport["width"]
    page.get_by_role("button", name="New campaign").click()  # on the dashboard
    page.wait_for_load_state()  # the preview listens once htmx (a deferred script) has run
    page.get_by_label("Campaign name").fill("First demo campaign")
    page.get_by_label("Message").press_sequentially("Hello from the demo!")
    expect(page.locator("#preview")).to_contain_text("Estimated cost: 1 SMS per recipient.")
    assert _scroll_width(page) <= viewport["width"]
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").filter(has_text="Draft “First demo campaign” saved.")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("First demo campaign")
    page.wait_for_load_state()
    assert _scroll_width(page) <= viewport["width"]
    context.close()
