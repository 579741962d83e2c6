"""One send job's work: claim (commit), send to SMSAPI with no transaction open, record (commit).

The claim is committed before any call, so the lease protects the messages even if this worker
dies mid-call; the outcomes are committed in one transaction with the campaign's pause or finish.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from portal.campaigns import chains, dispatch
from portal.campaigns.smsapi_calls import CallSettings, ChunkResult, Outcome, send_calls
from portal.extensions import db
from portal.models import Campaign, CampaignStatus, SenderName, SenderStatus
from portal.smsapi_account import SmsapiUnavailable, callback_url, client_for_account, settings_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendContext:
    """What every call of a chunk needs, read before the transaction ends."""

    sender: str | None
    test_mode: bool
    notify_url: str


def run_chain_link(account_id: int, campaign_id: int, slot: int, seq: int) -> int:
    """Send one chunk if this job is still its chain's current one and the campaign is sending,
    then hand over to the next link (or end the chain and finish the campaign)."""
    if not chains.is_current(campaign_id, slot, seq):
        return 0
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    if status != CampaignStatus.SENDING:
        chains.end(campaign_id, slot, seq)
        return 0
    chains.refresh(campaign_id, slot)
    sent = send_chunk(account_id, campaign_id, test_sends=False)
    if sent:
        status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        db.session.commit()
        if status == CampaignStatus.SENDING:
            chains.enqueue_link(account_id, campaign_id, slot, seq + 1)
            return sent
    chains.end(campaign_id, slot, seq)
    dispatch.finish_if_done(campaign_id)
    db.session.commit()
    return sent


def send_test_sends(account_id: int, campaign_id: int) -> int:
    """Send every queued test send of a campaign, chunk after chunk."""
    total = 0
    while sent := send_chunk(account_id, campaign_id, test_sends=True):
        total += sent
    return total


def send_chunk(account_id: int, campaign_id: int, *, test_sends: bool) -> int:
    """Claim, render, send and record one chunk; returns how many messages were claimed (none
    while the campaign is not sending, unless these are test sends)."""
    if not test_sends:
        status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        if status != CampaignStatus.SENDING:
            return 0
    claimed = dispatch.claim_chunk(account_id, campaign_id, test_sends=test_sends)
    db.session.commit()
    if not claimed:
        return 0
    campaign = db.session.get(Campaign, campaign_id)
    total = len(claimed)
    claimed, _ = dispatch.skip_opted_out(account_id, claimed)
    rendered, template = dispatch.render_chunk(campaign, claimed)
    calls = dispatch.build_calls(campaign, rendered, template)
    context = _context(campaign)
    settings = settings_for(account_id)
    db.session.commit()  # no transaction stays open during the calls to SMSAPI
    result = _send(account_id, settings, calls, context)
    if test_sends and result.hold_reason:
        _fail_held(rendered, result)
    dispatch.record_outcomes(account_id, rendered, result.outcomes, context.test_mode)
    if result.hold_reason and not test_sends:
        log.warning("Campaign %s paused: %s", campaign_id, result.hold_reason)
        dispatch.pause_for(campaign_id, result.hold_reason)
    db.session.commit()
    return total


def _context(campaign: Campaign) -> SendContext:
    settings = settings_for(campaign.account_id)
    sender = campaign.sender_name
    if sender is None:
        sender = db.session.scalar(
            select(SenderName).where(
                SenderName.account_id == campaign.account_id,
                SenderName.is_default.is_(True),
                SenderName.status == SenderStatus.ACTIVE.value,
            )
        )
    return SendContext(sender.name if sender else None, settings.test_mode, callback_url(settings))


def _send(account_id: int, settings, calls, context: SendContext) -> ChunkResult:
    config = current_app.config
    try:
        client = client_for_account(account_id, settings)
    except SmsapiUnavailable as unavailable:
        return ChunkResult(hold_reason=str(unavailable))
    call_settings = CallSettings(
        sender=context.sender,
        test=context.test_mode,
        notify_url=context.notify_url,
        max_parts=config["SMS_MAX_PARTS"],
        attempts=config["SEND_ATTEMPTS"],
        retry_base=config["SEND_RETRY_BASE_SECONDS"],
    )
    with client:
        return send_calls(client, calls, call_settings, config["SEND_THREADS"])


def _fail_held(rendered, result: ChunkResult) -> None:
    """A test send has no campaign to pause: what SMSAPI held back fails with the reason."""
    for item in rendered:
        if item.claimed.id not in result.outcomes:
            result.outcomes[item.claimed.id] = Outcome("failed", error_text=result.hold_reason[:255])
