"""A send job's work: chunks claimed (commit), sent to SMSAPI with no transaction open, and recorded
(commit), one after another for a short slice of time.

The claim is committed before any call, so the lease protects the messages even if this worker
dies mid-call; the outcomes are committed in one transaction with the campaign's pause or finish.
Within a job the chunks overlap: while the calls of one chunk are in flight, the job claims and
renders the next and queues its calls behind them, then records the first. So the pool of calls
stays busy while the database works, instead of waiting for it once per chunk.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, replace

from flask import current_app
from sqlalchemy import select

from portal.campaigns import chains, dispatch
from portal.campaigns.smsapi_calls import CallRunner, CallSettings, ChunkResult, Outcome, PendingCalls
from portal.extensions import db
from portal.models import Campaign, CampaignStatus, SenderName, SenderStatus
from portal.smsapi_account import SmsapiUnavailable, callback_url, client_for_account, settings_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendContext:
    """What every call of a job needs, read before the transaction ends."""

    sender: str | None
    test_mode: bool
    notify_url: str
    unavailable: str | None = None  # why SMSAPI cannot be used for the account now: hold every chunk


@dataclass(frozen=True)
class ChunkInFlight:
    """A claimed chunk whose calls are queued or running."""

    claimed: int  # messages claimed, those skipped as opted out included
    rendered: list[dispatch.Rendered]
    calls: PendingCalls
    test_mode: bool


def run_chain_link(account_id: int, campaign_id: int, slot: int, seq: int) -> int:
    """Send chunks for one slice of time if this job is still its chain's current one and the
    campaign is sending, then hand over to the next link (or end the chain and finish the campaign)."""
    if not chains.is_current(campaign_id, slot, seq):
        return 0
    status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
    if status != CampaignStatus.SENDING:
        chains.end(campaign_id, slot, seq)
        return 0
    chains.refresh(campaign_id, slot)
    until = time.monotonic() + current_app.config["SEND_SLICE_SECONDS"]
    sent, more = send_chunks(account_id, campaign_id, until=until,
                             alive=lambda: chains.refresh(campaign_id, slot))
    if more:
        status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        db.session.commit()
        if status == CampaignStatus.SENDING:
            chains.enqueue_link(account_id, campaign_id, slot, seq + 1)
            return sent
    chains.end(campaign_id, slot, seq)
    dispatch.finish_if_done(campaign_id)
    db.session.commit()
    return sent


def send_chunks(account_id: int, campaign_id: int, *, until: float, alive=lambda: None) -> tuple[int, bool]:
    """Send chunk after chunk (at least one) until `until` (time.monotonic), the campaign stops sending
    or nothing is queued; the next chunk is claimed while the calls of the last are in flight.
    Returns (messages claimed, whether there may be more to send)."""
    sent = 0
    with _call_runner(account_id, campaign_id) as (runner, context):
        in_flight: ChunkInFlight | None = None
        more = held = False
        while True:
            upcoming = None
            if not held and (in_flight is None or time.monotonic() < until):
                upcoming = _start_chunk(account_id, campaign_id, runner, context, test_sends=False)
                more = upcoming is not None
            if in_flight is not None:
                held = _finish_chunk(account_id, campaign_id, in_flight, test_sends=False) or held
                sent += in_flight.claimed
                alive()
            if upcoming is None:
                return sent, more and not held
            in_flight = upcoming


def send_test_sends(account_id: int, campaign_id: int) -> int:
    """Send every queued test send of a campaign, chunk after chunk."""
    total = 0
    while sent := send_chunk(account_id, campaign_id, test_sends=True):
        total += sent
    return total


def send_chunk(account_id: int, campaign_id: int, *, test_sends: bool) -> int:
    """Claim, render, send and record one chunk; returns how many messages were claimed (none
    while the campaign is not sending, unless these are test sends)."""
    with _call_runner(account_id, campaign_id) as (runner, context):
        chunk = _start_chunk(account_id, campaign_id, runner, context, test_sends=test_sends)
        if chunk is None:
            return 0
        _finish_chunk(account_id, campaign_id, chunk, test_sends=test_sends)
        return chunk.claimed


def _start_chunk(
    account_id: int, campaign_id: int, runner: CallRunner | None, context: SendContext, *, test_sends: bool
) -> ChunkInFlight | None:
    """Claim a chunk (committed), render it and queue its calls; None when there is nothing to send."""
    if not test_sends:
        status = db.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))
        if status != CampaignStatus.SENDING:
            db.session.commit()
            return None
    claimed = dispatch.claim_chunk(account_id, campaign_id, test_sends=test_sends)
    db.session.commit()
    if not claimed:
        return None
    campaign = db.session.get(Campaign, campaign_id)
    total = len(claimed)
    claimed, _ = dispatch.skip_unwanted(campaign, claimed)
    rendered, template = dispatch.render_chunk(campaign, claimed)
    calls = dispatch.build_calls(campaign, rendered, template)
    db.session.commit()  # no transaction stays open during the calls to SMSAPI
    pending = runner.submit(calls) if runner is not None else _held(context.unavailable)
    return ChunkInFlight(total, rendered, pending, context.test_mode)


def _finish_chunk(account_id: int, campaign_id: int, chunk: ChunkInFlight, *, test_sends: bool) -> bool:
    """Wait for the chunk's calls and record every outcome (commit); True if the campaign paused itself."""
    result = chunk.calls.result()
    if test_sends and result.hold_reason:
        _fail_held(chunk.rendered, result)
    dispatch.record_outcomes(account_id, chunk.rendered, result.outcomes, chunk.test_mode)
    held = bool(result.hold_reason) and not test_sends
    if held:
        log.warning("Campaign %s paused: %s", campaign_id, result.hold_reason)
        dispatch.pause_for(campaign_id, result.hold_reason)
    db.session.commit()
    return held


@contextmanager
def _call_runner(account_id: int, campaign_id: int) -> Iterator[tuple[CallRunner | None, SendContext]]:
    """The account's SMSAPI client and a pool of call threads for one job (None while SMSAPI cannot
    be used for the account: every chunk is then held with the reason)."""
    config = current_app.config
    settings = settings_for(account_id)
    context = _context(db.session.get(Campaign, campaign_id), settings)
    db.session.commit()
    try:
        client = client_for_account(account_id, settings)
    except SmsapiUnavailable as unavailable:
        yield None, replace(context, unavailable=str(unavailable))
        return
    call_settings = CallSettings(
        sender=context.sender,
        test=context.test_mode,
        notify_url=context.notify_url,
        max_parts=config["SMS_MAX_PARTS"],
        attempts=config["SEND_ATTEMPTS"],
        retry_base=config["SEND_RETRY_BASE_SECONDS"],
    )
    with client, CallRunner(client, call_settings, config["SEND_THREADS"]) as runner:
        yield runner, context


def _held(reason: str | None) -> PendingCalls:
    """Calls that cannot be made: their result holds every message with the reason."""
    done: Future = Future()
    done.set_result(({}, reason))
    return PendingCalls([done])


def _context(campaign: Campaign | None, settings) -> SendContext:
    if campaign is None:  # deleted: nothing of it can be claimed
        return SendContext(None, settings.test_mode, callback_url(settings))
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


def _fail_held(rendered, result: ChunkResult) -> None:
    """A test send has no campaign to pause: what SMSAPI held back fails with the reason."""
    for item in rendered:
        if item.claimed.id not in result.outcomes:
            result.outcomes[item.claimed.id] = Outcome("failed", error_text=result.hold_reason[:255])
