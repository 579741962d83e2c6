"""The cost preflight: what a campaign will cost in SMSAPI points, against the balance right now.

The price per part is SMSAPI's own: the `points` it charged for this account's recent messages, or,
before the first send, a `test=1` call (validated, not sent, not charged) for a few recipients.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_UP, Decimal

from flask import current_app
from sqlalchemy import func, select

from portal.campaigns.recipients import audience_cost, campaign_recipients, contact_values
from portal.extensions import db
from portal.models import Campaign, Message
from portal.sms.errors import SmsapiError
from portal.sms.placeholders import placeholder_names, render
from portal.smsapi_account import SmsapiUnavailable, connected_client, settings_for

#: How many of the account's latest accepted messages the price is averaged over.
RECENT_MESSAGES = 500
#: Recipients of the `test=1` call that prices a first campaign.
SAMPLE_SIZE = 5

PRICE_FROM_HISTORY = "SMSAPI's charge for this account's recent messages"
PRICE_FROM_TEST_CALL = "a free test call to SMSAPI (test=1) for a sample of the recipients"


@dataclass
class Preflight:
    """The numbers the launch page shows; `None` where SMSAPI could not tell."""

    recipients: int
    parts_per_recipient: int  # the worst case over the audience
    total_parts: int
    price_per_part: Decimal | None
    price_source: str | None
    points_needed: Decimal | None
    balance: Decimal | None
    balance_note: str | None  # why the balance is unknown
    smsapi_problem: str | None = None  # SMSAPI cannot be used at all now (no token, refused, down)
    problems: list[str] = field(default_factory=list)  # what stops a launch (besides the balance)
    warnings: list[str] = field(default_factory=list)

    @property
    def short_by(self) -> Decimal | None:
        """Points missing for the whole campaign; None when unknown, 0 when the balance suffices."""
        if self.points_needed is None or self.balance is None:
            return None
        return max(Decimal(0), self.points_needed - self.balance)

    @property
    def balance_problem(self) -> str | None:
        short = self.short_by
        if not short:
            return None
        return (
            f"The SMSAPI balance is too low: this campaign needs {points(self.points_needed)} points "
            f"({self.total_parts} SMS at {points(self.price_per_part)} points each) "
            f"and the account has {points(self.balance)}. "
            f"Top up at least {points(short)} points in SMSAPI, then launch again."
        )


def points(value: Decimal) -> str:
    """Points as people read them: at least two decimals, no trailing zeros beyond (0.16, 0.165)."""
    text = f"{value.normalize():f}"
    whole, _, fraction = text.partition(".")
    return f"{whole}.{fraction.ljust(2, '0')}"


def preflight(campaign: Campaign) -> Preflight:
    """Cost of `campaign` for its audience now: parts, the price per part and the live balance."""
    max_parts = current_app.config["SMS_MAX_PARTS"]
    cost = audience_cost(campaign, max_parts)
    price, source, balance, note, unusable = None, None, None, None, None
    if not cost.problems and cost.recipients:
        price, source = _price_from_history(campaign.account_id), PRICE_FROM_HISTORY
        balance, note, sampled, unusable = _balance_and_sample(campaign, price is None)
        if price is None and sampled is not None:
            price, source = sampled, PRICE_FROM_TEST_CALL
        if price is None:
            source = None
    needed = None if price is None else (price * cost.total_parts).quantize(Decimal("0.0001"), ROUND_UP)
    return Preflight(
        recipients=cost.recipients,
        parts_per_recipient=cost.worst_parts,
        total_parts=cost.total_parts,
        price_per_part=price,
        price_source=source,
        points_needed=needed,
        balance=balance,
        balance_note=note,
        smsapi_problem=unusable,
        problems=cost.problems,
        warnings=cost.warnings,
    )


def _price_from_history(account_id: int) -> Decimal | None:
    """Points per part SMSAPI charged for the account's latest accepted (non-test) messages."""
    recent = (
        select(Message.points, Message.smsapi_parts)
        .where(
            Message.account_id == account_id,
            Message.submitted_at.is_not(None),
            Message.points > 0,
            Message.smsapi_parts > 0,
            Message.test_mode.is_(False),
        )
        .order_by(Message.submitted_at.desc(), Message.id.desc())
        .limit(RECENT_MESSAGES)
        .subquery()
    )
    points, parts = db.session.execute(
        select(func.sum(recent.c.points), func.sum(recent.c.smsapi_parts))
    ).one()
    if not parts:
        return None
    return (Decimal(points) / Decimal(parts)).quantize(Decimal("0.0001"))


def _balance_and_sample(campaign: Campaign, sample: bool) -> tuple:
    """(balance, why it is unknown, price from a test=1 call when `sample`, why SMSAPI is unusable),
    asked in one SMSAPI session."""
    try:
        with connected_client(campaign.account_id, settings_for(campaign.account_id)) as client:
            balance = client.profile().points
            price = _sample_price(client, campaign) if sample else None
    except SmsapiUnavailable as unavailable:
        return None, str(unavailable), None, str(unavailable)
    except SmsapiError as error:
        return None, f"SMSAPI did not give the balance ({error.message}).", None, None
    note = None if balance is not None else "SMSAPI shows no points balance for this kind of account."
    return balance, note, price, None


def _sample_price(client, campaign: Campaign) -> Decimal | None:
    """Points per part of a `test=1` send of the real texts to a few recipients; None if SMSAPI says
    nothing usable (a test answer may carry no points)."""
    sample = db.session.execute(
        campaign_recipients(campaign).limit(SAMPLE_SIZE)
    ).all()
    names = placeholder_names(campaign.message)
    values = contact_values(campaign.account_id, {row.contact_id: row.phone for row in sample}, names)
    missing = (None,) * len(names)
    points, parts = Decimal(0), 0
    max_parts = current_app.config["SMS_MAX_PARTS"]
    try:
        for row in sample:
            own = dict(zip(names, values.get(row.contact_id, missing), strict=True))
            text = render(campaign.message, own)
            response = client.send([row.phone], text, test=True, max_parts=max_parts)
            points += response.points
            parts += sum(message.parts for message in response.messages)
    except SmsapiError:
        return None
    if not parts or not points:
        return None
    return (points / parts).quantize(Decimal("0.0001"))
