"""The send job's database side: claim a chunk of queued messages, render them into SMSAPI calls,
record every outcome in bulk, and finish or pause the campaign.

A claim is one UPDATE that only takes rows still `queued` (PostgreSQL also skips rows another
worker is locking), so two workers never hold the same message. A claim carries a lease: if the
worker dies, the reconciler puts the message back to `queued` and it is sent again with the same
`idx`, which SMSAPI refuses with 53 if it had accepted it (then it counts as submitted).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache
from typing import NamedTuple

from flask import current_app
from sqlalchemy import and_, any_, bindparam, exists, false, func, select, text, true, update

from portal.campaigns.lifecycle import TransitionRefused, transition
from portal.campaigns.recipients import contact_values
from portal.campaigns.smsapi_calls import Call, Outcome, Recipient
from portal.extensions import db
from portal.id_lists import in_ids
from portal.models import (
    STATUS_RANK,
    Campaign,
    CampaignStatus,
    Contact,
    Message,
    MessageStatus,
    OptOut,
    utcnow,
)
from portal.recordsets import json_document
from portal.sms.idx import message_idx
from portal.sms.placeholders import as_template, filled, parse_placeholders, placeholder_names, render
from portal.sms.segments import analyze
from portal.tenancy import account_scope

Q, SENDING, SUBMITTED = MessageStatus.QUEUED.value, MessageStatus.SENDING.value, MessageStatus.SUBMITTED.value
OPTED_OUT_SINCE = "Not sent: the number opted out after the campaign was launched."
CONSENT_WITHDRAWN_SINCE = "Not sent: the contact's consent was withdrawn after the campaign was launched."


class Claimed(NamedTuple):
    """A message this worker holds: its id, contact and number (a named tuple: one per message)."""

    id: int
    contact_id: int | None
    phone: str


def campaign_needs_jobs(campaign_id: int) -> tuple[int, bool, bool] | None:
    """(account id, whether it is sending with queued messages, whether test sends are queued)."""
    campaign = db.session.scalar(select(Campaign).where(Campaign.id == campaign_id))
    if campaign is None:
        return None
    queued = select(Message.is_test_send).where(
        Message.account_id == campaign.account_id, Message.campaign_id == campaign_id, Message.status == Q
    )
    tests = db.session.scalar(select(exists(queued.where(Message.is_test_send == true()))))
    regular = db.session.scalar(select(exists(queued.where(Message.is_test_send == false()))))
    return campaign.account_id, campaign.status == CampaignStatus.SENDING and regular, tests


def claim_chunk(
    account_id: int, campaign_id: int, *, test_sends: bool = False, size: int | None = None
) -> list[Claimed]:
    """Take up to `size` queued messages of a campaign (queued -> sending, with a lease) in one UPDATE."""
    config = current_app.config
    size = size or config["SEND_CHUNK_SIZE"]
    candidates = (
        select(Message.id)
        .where(
            Message.account_id == account_id,
            Message.campaign_id == campaign_id,
            Message.status == Q,
            Message.is_test_send == (true() if test_sends else false()),
        )
        .order_by(Message.id)
        .limit(size)
        .with_for_update(skip_locked=True)
    )
    claim = update(Message).values(
        status=SENDING,
        status_rank=STATUS_RANK[MessageStatus.SENDING],
        leased_until=utcnow() + timedelta(seconds=config["SEND_LEASE_SECONDS"]),
    )
    if db.engine.dialect.name == "postgresql":
        # A materialised CTE picks (and locks) the rows exactly once; an IN (subquery ... LIMIT) may be
        # rescanned by the planner and claim more than the limit. The picked ids then travel as one
        # array, so that each message is found by its key: joined to the CTE, the planner, estimating
        # the campaign's queued messages from statistics, read every queued message of the table
        # into a hash instead (50 ms a chunk with 60,000 queued).
        picked = candidates.cte("picked").prefix_with("MATERIALIZED")
        picked_ids = func.array(select(picked.c.id).scalar_subquery())
        claim = claim.where(Message.id == any_(picked_ids), Message.status == Q)
    else:
        claim = claim.where(Message.id.in_(candidates.scalar_subquery()), Message.status == Q)
    # Plain rows, not ORM ones (the account is named above): making ORM rows of a chunk's 2,000
    # took a tenth of what the database needs to claim them.
    rows = db.session.connection().execute(
        claim.returning(Message.id, Message.contact_id, Message.phone)
    ).all()
    return sorted(map(Claimed._make, rows))  # by id: each claimed message's first field, and unique


def skip_unwanted(campaign: Campaign, claimed: list[Claimed]) -> tuple[list[Claimed], int]:
    """Mark claimed messages as skipped whose number opted out since the launch, or, for a campaign
    only to contacts who gave consent, whose contact's consent was withdrawn since; the rest go on.
    (A contact deleted since is known by its id and phone together, as in `contact_values`: its
    message goes on unless the number opted out.)"""
    if not claimed:
        return claimed, 0
    account_id, ids = campaign.account_id, [c.id for c in claimed]
    reasons = dict.fromkeys(db.session.scalars(
        select(Message.id)
        .join(OptOut, and_(OptOut.account_id == Message.account_id, OptOut.phone == Message.phone))
        .where(Message.account_id == account_id, in_ids(Message.id, ids))
    ), OPTED_OUT_SINCE)
    if campaign.consent_only:
        withdrawn = db.session.scalars(
            select(Message.id)
            .join(Contact, and_(Contact.account_id == Message.account_id, Contact.id == Message.contact_id,
                                Contact.phone == Message.phone))
            .where(Message.account_id == account_id, in_ids(Message.id, ids), Contact.consent_at.is_(None))
        )
        for message_id in withdrawn:
            reasons.setdefault(message_id, CONSENT_WITHDRAWN_SINCE)
    by_reason: dict[str, list[int]] = {}
    for message_id, reason in sorted(reasons.items()):
        by_reason.setdefault(reason, []).append(message_id)
    for reason, message_ids in by_reason.items():
        db.session.execute(
            update(Message)
            .where(Message.account_id == account_id, Message.status == SENDING, Message.id.in_(message_ids))
            .values(
                status=MessageStatus.SKIPPED.value,
                status_rank=STATUS_RANK[MessageStatus.SKIPPED],
                leased_until=None,
                status_changed_at=utcnow(),
                error_text=reason,
            )
            .execution_options(synchronize_session=False)
        )
    return [c for c in claimed if c.id not in reasons], len(reasons)


@dataclass
class Rendered:
    """A claimed message rendered: its text and the parts our count gives it."""

    claimed: Claimed
    text: str
    parts: int
    params: tuple[str, ...]


def render_chunk(campaign: Campaign, claimed: list[Claimed]) -> tuple[list[Rendered], str | None]:
    """Render each message; (rendered, the `[%n%]` template when params can carry the values)."""
    names = placeholder_names(campaign.message)
    contacts = {item.contact_id: item.phone for item in claimed if item.contact_id}
    values = contact_values(campaign.account_id, contacts, names)
    placeholders = parse_placeholders(campaign.message)
    use_params = 0 < len(placeholders) <= 4 and "[%" not in campaign.message
    template = (
        as_template(campaign.message, [f"[%{n}%]" for n in range(1, len(placeholders) + 1)])
        if use_params
        else None
    )
    max_parts = current_app.config["SMS_MAX_PARTS"]
    message = campaign.message
    # Values repeat (first names do, and a text without placeholders has none): each set of them is
    # rendered and counted once. A contact not found (deleted since the launch) gets the fallbacks.
    missing = (None,) * len(names)
    done: dict[tuple, tuple[str, int, tuple[str, ...]]] = {}
    rendered = []
    for item in claimed:
        key = values.get(item.contact_id, missing)
        text_parts_params = done.get(key)
        if text_parts_params is None:
            own = dict(zip(names, key, strict=True))
            text = render(message, own)
            params = tuple(filled(p, own) for p in placeholders) if template is not None else ()
            text_parts_params = done[key] = (text, _parts(text, max_parts), params)
        rendered.append(Rendered(item, *text_parts_params))
    return rendered, template


@lru_cache(maxsize=4096)
def _parts(text: str, max_parts: int) -> int:
    """Our count of a rendered text's parts; the same texts come back chunk after chunk."""
    return analyze(text, max_parts=max_parts).parts


def build_calls(campaign: Campaign, rendered: list[Rendered], template: str | None) -> list[Call]:
    """Group messages into calls of up to SEND_BATCH_SIZE: one template with params for
    personalised texts (values with `|` cannot travel as params and go by text), else by text."""
    size = current_app.config["SEND_BATCH_SIZE"]
    groups: dict[str, list[Recipient]] = {}
    for item in rendered:
        idx = message_idx(campaign.idx_key, item.claimed.id)
        if template is not None and not any("|" in value for value in item.params):
            groups.setdefault("\0params", []).append(
                Recipient(item.claimed.id, idx, item.claimed.phone, item.params)
            )
        else:
            groups.setdefault(item.text, []).append(Recipient(item.claimed.id, idx, item.claimed.phone))
    calls = []
    for key, recipients in groups.items():
        text = template if key == "\0params" else key
        calls += [Call(text, tuple(recipients[i : i + size])) for i in range(0, len(recipients), size)]
    return calls


_STATUS_OF = {"accepted": SUBMITTED, "duplicate": SUBMITTED, "failed": MessageStatus.FAILED.value, "held": Q}


def record_outcomes(
    account_id: int, rendered: list[Rendered], outcomes: dict[int, Outcome], test_mode: bool
) -> None:
    """Write every message's outcome in bulk (one UPDATE on PostgreSQL, an executemany elsewhere); a
    message without an outcome (the campaign paused itself) goes back to queued, keeping its attempts."""
    now = utcnow()
    rows = []
    for item in rendered:
        outcome = outcomes.get(item.claimed.id) or Outcome("held")
        status = _STATUS_OF[outcome.kind]
        rows.append(
            {
                "b_id": item.claimed.id,
                "b_status": status,
                "b_rank": STATUS_RANK[status],
                "b_text": item.text,
                "b_parts": item.parts,
                "b_test_mode": test_mode if status != Q else None,
                "b_attempts": outcome.attempts,
                "b_smsapi_id": outcome.smsapi_id,
                "b_points": outcome.points,
                "b_smsapi_parts": outcome.parts,
                "b_error_code": outcome.error_code,
                "b_error_text": outcome.error_text,
                "b_submitted_at": now if status == SUBMITTED else None,
                "b_failed_at": now if outcome.kind == "failed" else None,
            }
        )
    if not rows:
        return
    if db.engine.dialect.name == "postgresql":
        _record_in_one_statement(account_id, rows, now)
        return
    table = Message.__table__
    statement = (
        update(table)
        .where(table.c.id == bindparam("b_id"), table.c.account_id == account_id, table.c.status == SENDING)
        .values(
            status=bindparam("b_status"),
            status_rank=bindparam("b_rank"),
            text=bindparam("b_text"),
            parts=bindparam("b_parts"),
            test_mode=bindparam("b_test_mode"),
            attempts=table.c.attempts + bindparam("b_attempts"),
            smsapi_id=bindparam("b_smsapi_id"),
            points=bindparam("b_points"),
            smsapi_parts=bindparam("b_smsapi_parts"),
            error_code=bindparam("b_error_code"),
            error_text=bindparam("b_error_text"),
            submitted_at=bindparam("b_submitted_at"),
            failed_at=bindparam("b_failed_at"),
            leased_until=None,
            status_changed_at=now,
        )
    )
    db.session.connection().execute(statement, rows)


_RECORD_STATEMENT = text("""
UPDATE message m SET
    status = b.b_status, status_rank = b.b_rank, text = b.b_text, parts = b.b_parts,
    test_mode = b.b_test_mode, attempts = m.attempts + b.b_attempts, smsapi_id = b.b_smsapi_id,
    points = b.b_points, smsapi_parts = b.b_smsapi_parts, error_code = b.b_error_code,
    error_text = b.b_error_text, submitted_at = b.b_submitted_at, failed_at = b.b_failed_at,
    leased_until = NULL, status_changed_at = :now
FROM json_to_recordset(CAST(:rows AS json)) AS b(
    b_id bigint, b_status text, b_rank int, b_text text, b_parts int, b_test_mode boolean, b_attempts int,
    b_smsapi_id text, b_points numeric, b_smsapi_parts int, b_error_code int, b_error_text text,
    b_submitted_at timestamptz, b_failed_at timestamptz, b_sending int
)
WHERE m.id = b.b_id AND m.account_id = :account AND m.status_rank = b.b_sending
""")


def _record_in_one_statement(account_id: int, rows: list[dict], now) -> None:
    """PostgreSQL: the chunk's outcomes as one JSON document, one UPDATE joined to it (one statement
    and one round trip for the whole chunk, where an executemany runs one UPDATE per message).

    Only messages still being sent are written. That condition is a join condition here (each row
    carries the rank of `sending`), not a condition on the messages alone: the statistics, taken
    when no message was being sent, make the planner sure that hardly any is, and a condition on
    the messages alone led it to read them first (by the partial index of leases, or the whole
    table) and compare each with every row of the document: seconds per chunk while a campaign of
    thousands is sent. As a join condition it leaves each message to be found by its id."""
    for row in rows:
        row["b_sending"] = STATUS_RANK[MessageStatus.SENDING]
    parameters = {"rows": json_document(rows), "account": account_id, "now": now}
    db.session.connection().execute(_RECORD_STATEMENT, parameters)


def pause_for(campaign_id: int, reason: str) -> None:
    """The campaign pauses itself (SMSAPI refused to send for the account); a second job's pause is
    a no-op. Flushes."""
    campaign = _locked(campaign_id)
    if campaign is None:
        return
    try:
        transition(campaign, CampaignStatus.PAUSED, None, reason)
    except TransitionRefused:
        return


def finish_if_done(campaign_id: int) -> bool:
    """Mark a sending campaign finished once none of its messages is queued or being sent."""
    campaign = _locked(campaign_id)
    if campaign is None or campaign.status != CampaignStatus.SENDING:
        return False
    outstanding = db.session.scalar(
        select(
            exists(
                select(Message.id).where(
                    Message.account_id == campaign.account_id,
                    Message.campaign_id == campaign_id,
                    Message.status.in_((Q, SENDING)),
                    Message.is_test_send == false(),
                )
            )
        )
    )
    if outstanding:
        return False
    transition(campaign, CampaignStatus.FINISHED, None)
    return True


def _locked(campaign_id: int) -> Campaign | None:
    return db.session.scalar(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def release_expired_leases(now=None) -> list[tuple[int, int]]:
    """Put messages whose lease ran out (their worker died) back to queued; (account, campaign) pairs
    touched. Found through the partial index of rows being sent, then released per campaign."""
    now = now or utcnow()
    pairs = db.session.execute(
        select(Message.account_id, Message.campaign_id)
        .where(Message.status == SENDING, Message.leased_until < now)
        .distinct()
        .execution_options(all_accounts=True)
    ).all()
    for account_id, campaign_id in pairs:
        with account_scope(account_id):
            db.session.execute(
                update(Message)
                .where(
                    and_(
                        Message.account_id == account_id,
                        Message.campaign_id == campaign_id,
                        Message.status == SENDING,
                        Message.leased_until < now,
                    )
                )
                .values(status=Q, status_rank=STATUS_RANK[MessageStatus.QUEUED], leased_until=None)
                .execution_options(synchronize_session=False)
            )
    return [tuple(pair) for pair in pairs]


def outstanding_campaigns() -> list[tuple[int, int]]:
    """(account, campaign) of every campaign sending, for the reconciler to check its chains."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Campaign.account_id, Campaign.id)
            .where(Campaign.status == CampaignStatus.SENDING)
            .execution_options(all_accounts=True)
        )
    ]


def queued_test_sends() -> list[tuple[int, int]]:
    """(account, campaign) with queued test sends (a test whose job was lost), by the partial index."""
    return [
        tuple(row)
        for row in db.session.execute(
            select(Message.account_id, Message.campaign_id)
            .where(Message.is_test_send == true(), Message.status == Q)
            .distinct()
            .execution_options(all_accounts=True)
        )
    ]
