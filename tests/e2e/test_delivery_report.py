"""Delivery end to end in real Chromium: messages sent through the SMSAPI simulator over HTTP, its
callbacks batched (with intermediate SENT reports, duplicates and reports out of order) to the
portal's callback URL, and every message reaching its final status on the report page."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from portal.delivery.apply import apply_pending_reports
from portal.extensions import db
from portal.models import Message
from portal.sms.idx import message_idx
from portal.smsapi_account import callback_url, settings_for
from tests.conftest import in_account
from tests.e2e.test_sign_in import sign_in
from tests.messages import ALL, sent_campaign

pytestmark = pytest.mark.e2e

COUNT = 30


def _send_through_simulator(app, simulator, account_id: int, portal_url: str):
    """What the send job does: one sms.do call with an idx per message and the account's callback
    URL as notify_url, then SMSAPI's ids recorded (reports may already be arriving)."""
    app.config["PUBLIC_BASE_URL"] = portal_url
    sent = sent_campaign(app, account_id, COUNT, record_ids=False)
    with in_account(app, account_id):
        settings = settings_for(account_id)
        notify_url = callback_url(settings)
        db.session.commit()
        phones = [db.session.get(Message, mid, execution_options=ALL).phone for mid in sent.message_ids]
        answer = simulator.client().send(
            phones, "Your order has shipped.", notify_url=notify_url,
            idx=[message_idx(sent.idx_key, mid) for mid in sent.message_ids],
        )
        by_idx = {item.idx: item for item in answer.messages}
        for mid in sent.message_ids:
            item = by_idx[message_idx(sent.idx_key, mid)]
            message = db.session.get(Message, mid, execution_options=ALL)
            message.smsapi_id = message.smsapi_id or item.id
            message.points = item.points
        db.session.flush()
        apply_pending_reports(account_id, sent.message_ids)
        db.session.commit()
    return sent


def test_every_message_reaches_its_final_status_on_the_report_page(
    app, page, account, simulator, portal_server
):
    simulator.reset(intermediate_sent=True, duplicate_rate=0.3, shuffle_callbacks=True,
                    callback_delay=0.3, callback_batch_size=7)
    sign_in(page, account.member_email)
    sent = _send_through_simulator(app, simulator, account.account_id, portal_server.url)
    page.goto(f"/campaigns/{sent.campaign_id}/report")
    live = page.locator("#report-live")
    expect(live).to_contain_text("Every message of this campaign has its final status", timeout=30_000)

    finals = {m["idx"]: m["status"] for m in simulator.messages()}
    delivered = sum(1 for status in finals.values() if status == "DELIVERED")
    undelivered = sum(1 for status in finals.values() if status == "UNDELIVERED")
    assert delivered + undelivered == COUNT
    expect(live.locator('[data-outcome="delivered"] [data-count]')).to_have_text(str(delivered))
    expect(live.locator('[data-outcome="undelivered"] [data-count]')).to_have_text(str(undelivered))
    expect(live.locator('[data-outcome="pending"] [data-count]')).to_have_text("0")
    expect(live.locator("svg")).to_be_visible()
    callbacks = simulator.callbacks()
    assert any(attempt["reports"] > 1 for attempt in callbacks["attempts"])
    assert all(attempt["ok"] for attempt in callbacks["attempts"])

    page.get_by_label("Status").select_option("undelivered")
    rows = page.locator("#report-messages tbody tr")
    expect(rows).to_have_count(undelivered)
    if undelivered:
        rows.first.get_by_role("link").click()
        expect(page.locator("#timeline")).to_contain_text("SMSAPI: UNDELIVERED")
        expect(page.locator("#timeline")).to_contain_text("Could not be delivered")
