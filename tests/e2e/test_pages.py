"""Every page in real Chromium: fits a 390 px phone, loads without a failed request, keeps its ids unique
after htmx swaps, shows a focus ring on every control, and gives times in the account's zone."""

from datetime import UTC, datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.e2e.test_sign_in import sign_in
from tests.plugins.pages import page_paths

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}


# Resolves once a polling page has swapped in its first update (htmx settled), at once on other pages.
SETTLED = """() => new Promise(resolve => {
  if (!document.querySelector('[hx-trigger*="every"]')) { resolve(); return; }
  document.body.addEventListener('htmx:afterSettle', () => resolve(), {once: true});
  setTimeout(resolve, 5000);
})"""
# Ids that more than one element of the live document has: the page as served plus what htmx swapped in.
DUPLICATE_IDS = """() => {
  const seen = {};
  for (const element of document.querySelectorAll('[id]')) seen[element.id] = (seen[element.id] || 0) + 1;
  return Object.keys(seen).filter(id => seen[id] > 1).sort();
}"""


def _visit(page, paths) -> dict[str, str]:
    """What is wrong on each page: sideways scrolling, a request that failed, or an id used twice once
    the page has settled."""
    failed: list[str] = []
    page.on("response", lambda response: response.status >= 400 and failed.append(
        f"{response.status} {response.url}"))
    # A load cut short by the next navigation (ERR_ABORTED) is the test moving on, not a failure.
    page.on("requestfailed", lambda request: "ERR_ABORTED" not in (request.failure or "") and failed.append(
        f"failed {request.url}: {request.failure}"))
    problems = {}
    for path in paths:
        failed.clear()
        page.goto(path)
        page.wait_for_load_state("load")
        page.evaluate(SETTLED)
        width = page.evaluate("document.documentElement.scrollWidth")
        wrong = [f"scrolls sideways: {width} px wide"] if width > PHONE["width"] else []
        wrong += [f"id used more than once: {id_}" for id_ in page.evaluate(DUPLICATE_IDS)]
        # A member's 403 on an admin page is the page's own answer, not a failed request.
        wrong += [entry for entry in failed if not entry.endswith(path) or not entry.startswith("403")]
        if wrong:
            problems[path] = "; ".join(wrong)
    return problems


def test_every_page_fits_a_phone_for_visitors_admins_and_members(app, browser, portal_server, furnished):
    paths = page_paths(app, furnished)
    for email in (None, furnished.admin_email, furnished.member_email):
        context = browser.new_context(base_url=portal_server.url, viewport=PHONE, is_mobile=True,
                                      has_touch=True)
        page = context.new_page()
        if email:
            sign_in(page, email)
            expect(page.get_by_role("button", name="Sign out")).to_be_attached()
        assert _visit(page, paths) == {}, email or "signed out"
        context.close()


# Every kind of control the pages use, found where it appears (page, locator).
CONTROLS = [
    ("/settings/", "button:text-is('Check again')"),  # grey (secondary) button
    ("/settings/", "#callback button:text-is('Copy')"),  # grey button inside a group
    ("/settings/", "[role=button]:text-is('Disconnect')"),  # outline secondary link
    ("/settings/", "button:text-is('Save time zone')"),  # primary
    ("/settings/", "#timezone"),  # select
    ("/settings/", "#callback-url"),  # read-only input
    ("/settings/", "#go-live-confirm"),  # switch
    ("/settings/", "#connection summary"),  # disclosure
    ("/campaigns/", "a[role=button]"),  # link styled as a button
    ("/campaigns/", "main table a"),  # plain link
    ("/campaigns/new", "#message"),  # textarea
    ("/campaigns/new", "button:text-is('Preview')"),  # outline secondary submit
    ("/users/", "select"),  # select inside a table
    ("/users/", "[role=button]:text-is('Deactivate')"),  # outline secondary link in a table
    ("/senders/", "button:text-is('Check now with SMSAPI')"),
]


def _channels(color: str) -> tuple[float, float, float, float]:
    inside = color[color.index("(") + 1 : color.index(")")].replace("/", ",").split(",")
    values = [float(value) for value in inside if value.strip()]
    return (*values[:3], values[3] if len(values) > 3 else 1.0)


def _luminance(rgb) -> float:
    def linear(channel):
        channel /= 255
        return channel / 12.92 if channel <= 0.03928 else ((channel + 0.055) / 1.055) ** 2.4

    red, green, blue = (linear(c) for c in rgb[:3])
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first, second) -> float:
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def behind(layers: list[str]) -> tuple[float, float, float]:
    """The colour the ring is drawn on: the ancestors' backgrounds laid over white, outermost first."""
    colour = (255.0, 255.0, 255.0)
    for layer in reversed(layers):
        *rgb, alpha = _channels(layer)
        colour = tuple(alpha * new + (1 - alpha) * old for new, old in zip(rgb, colour, strict=True))
    return colour


RING = """element => {
  const style = getComputedStyle(element);
  const layers = [];
  for (let node = element.parentElement; node; node = node.parentElement) {
    layers.push(getComputedStyle(node).backgroundColor);
  }
  return {style: style.outlineStyle, width: parseFloat(style.outlineWidth), colour: style.outlineColor,
          focused: element.matches(':focus-visible'), layers};
}"""


def test_every_kind_of_control_shows_a_focus_ring_with_enough_contrast(page, furnished):
    sign_in(page, furnished.admin_email)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    weak = {}
    for path, selector in CONTROLS:
        if urlsplit(page.url).path != path:
            page.goto(path)
        control = page.locator(selector).first
        page.keyboard.press("Tab")  # keyboard use: programmatic focus then shows the ring as Tab would
        control.focus()
        ring = control.evaluate(RING)
        ratio = contrast(_channels(ring["colour"]), behind(ring.pop("layers")))
        if not ring["focused"] or ring["style"] == "none" or ring["width"] < 2 or ratio < 3:
            weak[f"{path} {selector}"] = {**ring, "contrast": round(ratio, 2)}
    assert weak == {}


def test_times_show_in_the_accounts_zone_and_follow_a_change_in_settings(page, furnished):
    def abbreviation(zone: str) -> str:
        name = datetime.now(UTC).astimezone(ZoneInfo(zone)).tzname()
        return f"UTC{name}" if name[0] in "+-" else name

    sign_in(page, furnished.admin_email)
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()
    page.goto("/campaigns/")
    updated = page.locator("main table time").first
    expect(updated).to_have_attribute("title", "Europe/Warsaw")
    expect(updated).to_contain_text(abbreviation("Europe/Warsaw"))
    page.goto("/settings/")
    page.get_by_label("Time zone of this account").select_option("America/New_York")
    page.get_by_role("button", name="Save time zone").click()
    saved = page.get_by_role("status").filter(has_text="Times are now shown in America/New_York.")
    expect(saved).to_be_visible()
    expect(page.locator("#changes time").first).to_contain_text(abbreviation("America/New_York"))
    page.goto("/campaigns/")
    expect(page.locator("main table time").first).to_have_attribute("title", "America/New_York")
    expect(page.locator("main table time").first).to_contain_text(abbreviation("America/New_York"))


def test_an_admin_saves_a_campaign_on_a_phone_without_scrolling_sideways(browser, portal_server, furnished):
    context = browser.new_context(base_url=portal_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, furnished.admin_email)
    page.get_by_role("button", name="New campaign").tap()
    page.wait_for_load_state()  # the preview listens once htmx (a deferred script) has run
    page.get_by_label("Campaign name").fill("Phone sale")
    page.get_by_label("Sender").select_option(label="ARETONET")
    page.get_by_label("Message").press_sequentially("Hello from the phone!")
    expect(page.locator("#preview")).to_contain_text("Estimated cost: 1 SMS per recipient.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.get_by_role("button", name="Save draft").tap()
    expect(page.get_by_role("status").filter(has_text="Draft “Phone sale” saved.")).to_be_visible()
    expect(page.locator("main table")).to_contain_text("Phone sale")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()
