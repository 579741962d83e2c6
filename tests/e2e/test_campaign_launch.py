"""A campaign from composer to finished in real Chromium: personalised to a list, test-sent,
launched, paused and resumed, watched to 100%; and one scheduled that starts on the reconcile tick.

SMSAPI is the simulator over HTTP (test mode); the send jobs run in a worker thread of this process.
"""

import re
import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from rq.timeouts import TimerDeathPenalty

from portal.extensions import db
from portal.models import Campaign
from portal.queue import all_queues, redis_connection
from tests.e2e.test_sign_in import sign_in
from tests.in_process_worker import InProcessWorker

pytestmark = pytest.mark.e2e

CONTACTS = [
    ("+48600100200", "Anna", "Nowak", {"city": "Gdynia"}),
    ("+48600100201", "Christopher", "Smith", {"city": "Sopot"}),
    ("+48600100202", "", "", {}),
]


class ThreadWorker(InProcessWorker):
    """A worker that runs jobs in this process, in a thread (signals belong to the main thread)."""

    death_penalty_class = TimerDeathPenalty

    def _install_signal_handlers(self):
        pass


@pytest.fixture
def worker(app):
    """Start it with `worker.start()`; it works the queues until the test ends."""
    stop = threading.Event()

    def work():
        with app.app_context():
            while not stop.is_set():
                ThreadWorker(all_queues(), connection=redis_connection()).work(
                    burst=True, with_scheduler=False
                )
                stop.wait(0.2)

    thread = threading.Thread(target=work, daemon=True)

    class Control:
        def start(self):
            thread.start()

    yield Control()
    stop.set()
    if thread.is_alive():
        thread.join(timeout=10)


@pytest.fixture
def member_page(page, account, sim_account, make_list):
    make_list(account.account_id, "Customers", CONTACTS)
    sign_in(page, account.member_email)
    expect(page).to_have_url(re.compile(r"/$"))  # the dashboard
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def compose(page, name):
    page.goto("/campaigns/new")
    page.get_by_label("Campaign name").fill(name)
    page.get_by_label("Customers").check()
    expect(page.locator("#audience")).to_contain_text("Recipients")
    expect(page.locator("#audience dd").first).to_have_text("3")
    message = page.get_by_label("Message")
    message.click()
    message.press_sequentially("Hi ")
    page.get_by_role("button", name="{first_name}").click()
    message.press_sequentially(", see you in ")
    page.get_by_role("button", name="{city}").click()
    message.press_sequentially("!")
    expect(message).to_have_value("Hi {first_name}, see you in {city}!")
    expect(page.locator("#preview")).to_contain_text("“Christopher”")
    page.get_by_role("button", name="Save and review launch").click()
    expect(page.get_by_role("heading", name=f"Launch “{name}”")).to_be_visible()


def test_personalised_campaign_is_tested_launched_paused_resumed_and_finishes(
    member_page, worker, sim_account
):
    page = member_page
    compose(page, "Monday reminder")
    expect(page.locator("#cost")).to_contain_text("SMS in total")

    page.get_by_label("Send a test to").fill("+48 600 100 200, 600 100 299")
    page.get_by_role("button", name="Send test").click()
    expect(page.locator("#test-send")).to_contain_text("+48600100299")
    expect(page.locator("#test-send")).to_contain_text("Test messages")

    page.get_by_role("button", name="Launch campaign").click()
    expect(page.locator(".badge-state")).to_have_text("Sending")

    page.get_by_role("button", name="Pause").click()
    expect(page.locator(".badge-state")).to_have_text("Paused")
    page.get_by_role("button", name="Resume").click()
    expect(page.locator(".badge-state")).to_have_text("Sending")

    worker.start()
    expect(page.locator("#campaign-status")).to_contain_text("100%", timeout=30_000)
    expect(page.locator("#campaign-status progress")).to_have_attribute("value", "3")
    expect(page.locator(".badge-state")).to_have_text("Finished", timeout=30_000)
    expect(page.locator("#campaign-status")).not_to_have_attribute("hx-trigger", re.compile("every"))
    texts = [message["text"] for message in sim_account.messages()]
    assert "Hi Christopher, see you in Sopot!" in texts


def test_scheduled_campaign_starts_on_the_reconcile_tick(app, member_page, worker, account):
    from portal.campaigns.reconcile import reconcile
    from portal.tenancy import account_scope

    page = member_page
    compose(page, "Friday news")
    later = datetime.now(ZoneInfo("Europe/Warsaw")) + timedelta(days=1)
    page.get_by_label("At a date and time").check()
    page.get_by_label("Send at", exact=True).fill(later.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_role("button", name="Launch campaign").click()
    expect(page.locator(".badge-state")).to_have_text("Scheduled")
    expect(page.locator("#campaign-status")).to_contain_text("Sends at")

    with app.app_context(), account_scope(account.account_id):  # the day passes
        campaign = db.session.scalar(db.select(Campaign).where(Campaign.name == "Friday news"))
        campaign.scheduled_at = datetime.now(ZoneInfo("UTC")) - timedelta(seconds=1)
        db.session.commit()
    with app.app_context():
        reconcile()
    worker.start()
    expect(page.locator(".badge-state")).to_have_text(re.compile("Sending|Finished"), timeout=15_000)
    expect(page.locator("#campaign-status")).to_contain_text("100%", timeout=30_000)


def test_a_campaign_only_to_contacts_who_gave_consent_reaches_them_alone(
    app, member_page, worker, account, sim_account
):
    from sqlalchemy import update

    from portal.models import Contact, utcnow

    with app.app_context():
        db.session.execute(update(Contact).where(Contact.phone == "+48600100200").values(consent_at=utcnow())
                           .execution_options(all_accounts=True))
        db.session.commit()
    page = member_page
    page.goto("/campaigns/new")
    page.get_by_label("Campaign name").fill("Consented news")
    page.get_by_label("Customers").check()
    audience = page.locator("#audience")
    expect(audience).to_contain_text("2 recipients have no consent recorded")
    message = page.get_by_label("Message")
    message.click()
    message.press_sequentially("Hi {first_name}, new arrivals this week!")
    expect(page.locator("#preview")).to_contain_text("“Christopher”")

    page.get_by_label("Only contacts who gave consent").check()
    expect(audience).to_contain_text(re.compile(r"No consent recorded \(left out\)\s*2"))
    expect(audience.locator("dd").first).to_have_text("1")
    expect(page.locator("#preview")).not_to_contain_text("“Christopher”")  # the worst case is Anna's now
    page.get_by_role("button", name="Save and review launch").click()
    expect(page.get_by_role("heading", name="Launch “Consented news”")).to_be_visible()
    expect(page.locator(".launch-summary")).to_contain_text("only contacts who gave consent")
    expect(page.locator("#cost")).to_contain_text(re.compile(r"Recipients\s*1"))

    page.get_by_role("button", name="Launch campaign").click()
    worker.start()
    expect(page.locator(".badge-state")).to_have_text("Finished", timeout=30_000)
    sent = [m["number"] for m in sim_account.messages() if m["idx"]]  # the campaign's, not price checks
    assert sent == ["48600100200"]
