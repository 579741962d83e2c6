"""Launching, pausing, resuming and cancelling campaigns, and test sends: the domain side of the buttons.

Each function flushes; the view commits, then calls `start_sending(campaign_id)` so jobs are only
enqueued for rows that exist (and if Redis is down, the reconciler enqueues them later).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

import phonenumbers
from sqlalchemy import Boolean, false, insert, literal, select, update

from portal.audit import record_event
from portal.campaigns.lifecycle import TransitionRefused, can_transition, transition
from portal.campaigns.preflight import preflight
from portal.campaigns.recipients import campaign_recipients
from portal.extensions import db
from portal.models import (
    STATUS_RANK,
    Account,
    Campaign,
    CampaignStatus,
    Contact,
    Message,
    MessageStatus,
    SenderName,
    User,
    UTCDateTime,
    utcnow,
)
from portal.smsapi_account import settings_for

MAX_TEST_NUMBERS = 5


class LaunchRefused(Exception):
    """A launch (or test send) that cannot go ahead; `problems` are plain sentences to show."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def get_campaign(campaign_id: int) -> Campaign:
    """The campaign in the current account; LookupError when there is none."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id))
    if campaign is None:
        raise LookupError(f"no campaign {campaign_id}")
    return campaign


def launch_campaign(campaign_id: int, by: User | None, *, send_at: datetime | None = None) -> Campaign:
    """Check everything a send needs, then schedule it (`send_at` in the future) or start it now.

    Starting materialises one queued Message per recipient in one INSERT ... SELECT. Raises
    LaunchRefused with every problem found. Flushes; the caller commits, then `start_sending`.
    """
    campaign = get_campaign(campaign_id)
    when = to_utc(campaign.account_id, send_at) if send_at is not None else None
    target = CampaignStatus.SCHEDULED if when is not None and when > utcnow() else CampaignStatus.SENDING
    if not can_transition(campaign, target):
        try:
            transition(campaign, target, by)
        except TransitionRefused as refused:
            raise LaunchRefused([refused.message]) from None
    problems = launch_problems(campaign)
    if problems:
        raise LaunchRefused(problems)
    if target is CampaignStatus.SCHEDULED:
        campaign.scheduled_at = when
        return transition(campaign, target, by)
    return begin_sending(campaign, by)


def launch_problems(campaign: Campaign) -> list[str]:
    """Everything that stops `campaign` from being sent now, in plain words (empty: it can go)."""
    problems = []
    if not campaign.list_ids:
        problems.append("Choose at least one contact list to send to.")
    if not settings_for(campaign.account_id).is_connected:
        problems.append("Connect your SMSAPI account in Settings -> SMS first.")
    sender = campaign.sender_name_id and db.session.get(SenderName, campaign.sender_name_id)
    if sender and not sender.is_active:
        problems.append(
            f"The sender name “{sender.name}” is not active: choose an active one or the default."
        )
    if not campaign.message.strip():
        problems.append("The message is empty.")
    if problems:
        return problems
    check = preflight(campaign)
    problems += check.problems
    if not check.problems and check.recipients == 0:
        problems.append(
            "Nobody to send to: no contact on the chosen lists has given consent without opting out since."
            if campaign.consent_only else
            "Nobody to send to: the chosen lists have no contacts who have not opted out."
        )
    if check.smsapi_problem:
        problems.append(check.smsapi_problem)
    if check.balance_problem:
        problems.append(check.balance_problem)
    return problems


def begin_sending(campaign: Campaign, by: User | None) -> Campaign:
    """Materialise the campaign's messages (set-based, one statement) and mark it sending. Flushes."""
    transition(campaign, CampaignStatus.SENDING, by)
    materialise_messages(campaign)
    return campaign


def materialise_messages(campaign: Campaign) -> int:
    """One queued Message per recipient, in one INSERT ... SELECT; returns how many were made."""
    audience = campaign_recipients(campaign).subquery()
    columns = ["account_id", "campaign_id", "contact_id", "phone", "is_test_send", "status",
               "status_rank", "attempts", "created_at"]
    rows = select(
        literal(campaign.account_id),
        literal(campaign.id),
        audience.c.contact_id,
        audience.c.phone,
        literal(False, Boolean()),
        literal(MessageStatus.QUEUED.value),
        literal(0),
        literal(0),
        literal(utcnow(), UTCDateTime()),
    ).order_by(audience.c.contact_id)
    result = db.session.execute(insert(Message).from_select(columns, rows))
    return result.rowcount


def to_utc(account_id: int, moment: datetime) -> datetime:
    """An aware UTC time from `moment`; a naive one is read in the account's time zone."""
    if moment.tzinfo is None:
        zone = db.session.scalar(select(Account.timezone).where(Account.id == account_id))
        moment = moment.replace(tzinfo=ZoneInfo(zone or "Europe/Warsaw"))
    return moment.astimezone(ZoneInfo("UTC"))


def start_sending(campaign_id: int) -> None:
    """Enqueue the send jobs of a committed launch, resume or test send (no-op when none are due)."""
    from portal.campaigns import chains

    chains.start(campaign_id)


def pause_campaign(campaign_id: int, by: User | None, reason: str | None = None) -> Campaign:
    """Stop new batches; a batch already with SMSAPI finishes, the rest stays queued. Flushes."""
    return transition(get_campaign(campaign_id), CampaignStatus.PAUSED, by, reason)


def resume_campaign(campaign_id: int, by: User | None) -> Campaign:
    """Continue a paused campaign where it stopped; the caller commits, then `start_sending`.

    Only a paused one: a draft reaches sending through `launch_campaign`, which checks it first.
    """
    campaign = get_campaign(campaign_id)
    if campaign.status != CampaignStatus.PAUSED:
        raise TransitionRefused(f"“{campaign.name}” is not paused, so there is nothing to resume.")
    return transition(campaign, CampaignStatus.SENDING, by)


def cancel_campaign(campaign_id: int, by: User | None) -> Campaign:
    """Cancel: every message not yet handed to SMSAPI is marked cancelled (one UPDATE). Flushes."""
    campaign = transition(get_campaign(campaign_id), CampaignStatus.CANCELLED, by)
    db.session.execute(
        update(Message)
        .where(
            Message.account_id == campaign.account_id,
            Message.campaign_id == campaign.id,
            Message.is_test_send == false(),
            Message.status == MessageStatus.QUEUED.value,
        )
        .values(status=MessageStatus.CANCELLED.value, status_rank=STATUS_RANK[MessageStatus.CANCELLED],
                status_changed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return campaign


def send_test(campaign_id: int, phones: Sequence[str], by: User | None) -> list[Message]:
    """Queue the campaign's message to up to 5 typed-in numbers, marked as a test send (kept out
    of the campaign's statistics). A number of a contact gets that contact's personalisation.
    LaunchRefused names every number that is not valid. Flushes; commit, then `start_sending`."""
    campaign = get_campaign(campaign_id)
    country = db.session.scalar(select(Account.default_country).where(Account.id == campaign.account_id))
    numbers, problems = parse_test_numbers(phones, country or "PL")
    if not settings_for(campaign.account_id).is_connected:
        problems.append("Connect your SMSAPI account in Settings -> SMS first.")
    if campaign.status in (CampaignStatus.FINISHED, CampaignStatus.CANCELLED):
        problems.append(
            f"“{campaign.name}” is {campaign.status}: test sends are for campaigns still to be sent."
        )
    if problems:
        raise LaunchRefused(problems)
    contacts = dict(
        db.session.execute(
            select(Contact.phone, Contact.id).where(
                Contact.account_id == campaign.account_id, Contact.phone.in_(numbers)
            )
        ).all()
    )
    messages = [
        Message(account_id=campaign.account_id, campaign_id=campaign.id, phone=number,
                contact_id=contacts.get(number), is_test_send=True, status=MessageStatus.QUEUED.value,
                status_rank=0, attempts=0)
        for number in numbers
    ]
    db.session.add_all(messages)
    db.session.flush()
    who = by.email if by else "The portal"
    record_event(campaign.account_id, by, "campaign.test_sent",
                 f"{who} sent a test of “{campaign.name}” to {len(numbers)} number(s)",
                 campaign_id=campaign.id, numbers=len(numbers))
    return messages


def parse_test_numbers(phones: Sequence[str], country: str) -> tuple[list[str], list[str]]:
    """(numbers in E.164, problems naming each number that is not a valid mobile number)."""
    typed = [phone.strip() for phone in phones if phone and phone.strip()]
    problems = []
    if not typed:
        problems.append("Type at least one phone number for the test.")
    if len(typed) > MAX_TEST_NUMBERS:
        problems.append(f"A test goes to at most {MAX_TEST_NUMBERS} numbers; {len(typed)} were given.")
    numbers: list[str] = []
    for phone in typed:
        try:
            parsed = phonenumbers.parse(phone, country)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_valid_number(parsed):
            problems.append(f"“{phone}” is not a valid phone number.")
            continue
        number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        if number not in numbers:
            numbers.append(number)
    return numbers, problems
