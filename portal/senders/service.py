"""Sender names: register them with SMSAPI, follow their approval, choose the default, delete them.

SMSAPI is the source of truth for a name's status; the portal keeps a copy with the history of every
change (who or what made it) and records each change in the audit trail. The functions flush; the
view or job that calls them commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from portal.audit import record_event
from portal.extensions import db
from portal.locking import lock_account
from portal.models import (
    Campaign,
    CampaignStatus,
    EventSource,
    SenderName,
    SenderNameEvent,
    SenderStatus,
    SmsSettings,
    User,
    utcnow,
)
from portal.models.senders import MAX_STORED_LENGTH
from portal.sms.client import SmsapiClient
from portal.sms.errors import ContentError, SmsapiError, SmsapiNotFound
from portal.sms.sender_names import InvalidSenderName, check_sender_name
from portal.smsapi_account import SmsapiUnavailable, connected_client

log = logging.getLogger(__name__)

#: Statuses a sender name is announced in when it reaches them (a notice for the admins).
NOTICE_STATUSES = (SenderStatus.ACTIVE.value, SenderStatus.REJECTED.value)


class SenderNameError(Exception):
    """A sender-name change that cannot be made; the message tells the admin why and what to do."""


def names_of(account_id: int, *, active_only: bool = False) -> list[SenderName]:
    """The account's sender names, defaults and active ones first, deleted ones last."""
    query = select(SenderName).where(SenderName.account_id == account_id)
    if active_only:
        query = query.where(SenderName.status == SenderStatus.ACTIVE.value)
    names = db.session.scalars(query.order_by(SenderName.name))
    order = [s.value for s in (SenderStatus.ACTIVE, SenderStatus.PENDING, SenderStatus.REJECTED,
                               SenderStatus.INACTIVE, SenderStatus.DELETED)]
    return sorted(names, key=lambda s: (not s.is_default, order.index(s.status) if s.status in order else 9))


def history_of(names: list[SenderName]) -> dict[int, list[SenderNameEvent]]:
    """Each name's status changes, newest first, keyed by the name's id (one query for all)."""
    history: dict[int, list[SenderNameEvent]] = {}
    if names:
        events = db.session.scalars(
            select(SenderNameEvent)
            .where(SenderNameEvent.sender_name_id.in_([sender.id for sender in names]))
            .order_by(SenderNameEvent.id.desc())
        )
        for event in events:
            history.setdefault(event.sender_name_id, []).append(event)
    return history


def check_new_name(account_id: int, name: str) -> str:
    """The name if the account may register it: the plain rule, then no duplicate (a deleted one may
    come back).

    Names that differ only in capitals count as one: SMSAPI documents no rule on case (SMSAPI.md §4),
    recipients could not tell "aretonet" from "ARETONET" apart as senders, and the portal finds names
    at SMSAPI by their spelling, so two such names would be a trap rather than a choice.
    """
    check_sender_name(name)
    existing = db.session.scalar(select(SenderName).where(
        SenderName.account_id == account_id, func.lower(SenderName.name) == name.lower(),
        SenderName.status != SenderStatus.DELETED.value,
    ))
    if existing is not None and existing.name == name:
        raise InvalidSenderName(f"{name} is already one of your sender names.")
    if existing is not None:
        raise InvalidSenderName(
            f"{existing.name} is already one of your sender names, and names that differ only in "
            f"capital letters count as the same name. Delete {existing.name} first to use {name} instead."
        )
    return name


def register_sender_name(account_id: int, by: User, name: str) -> SenderName:
    """Validate, register with SMSAPI, then store it as SMSAPI reports it (normally pending)."""
    name = name.strip()
    try:
        check_new_name(account_id, name)
    except InvalidSenderName as error:
        raise SenderNameError(str(error)) from None
    with _smsapi(account_id) as client:
        try:
            registered = client.create_sender_name(name)
        except ContentError as error:
            reasons = "; ".join(str(e.get("message")) for e in error.errors if e.get("message"))
            raise SenderNameError(f"SMSAPI refused {name}: {reasons or error.message}.") from None
    status = _status(registered.status) or SenderStatus.PENDING.value
    sender = _named(account_id, name)
    if sender is None:
        sender = SenderName(account_id=account_id, name=name, status=status)
        db.session.add(sender)
        db.session.flush()
        previous = None
    else:
        previous = sender.status
        sender.status, sender.status_changed_at, sender.created_at = status, utcnow(), utcnow()
    _add_event(sender, previous, status, EventSource.REGISTRATION, by)
    record_event(account_id, by, "sender.registered", f"{by.email} registered the sender name {name}",
                 name=name)
    db.session.flush()
    return sender


def make_default(sender: SenderName, by: User) -> str | None:
    """Make an active name the account's default, at SMSAPI too; returns the default now in force.

    One change of default per account at a time (the account lock is held across the SMSAPI call),
    and the portal then takes the default SMSAPI reports, so the two cannot end up disagreeing.
    """
    lock_account(sender.account_id)
    db.session.refresh(sender)
    if not sender.is_active:
        raise SenderNameError(f"{sender.name} is {sender.status}: only an active name can be the default.")
    if sender.is_default:
        return sender.name
    with _smsapi(sender.account_id) as client:
        try:
            client.make_default_sender_name(sender.name)
        except (ContentError, SmsapiNotFound) as error:
            raise SenderNameError(
                f"SMSAPI refused to make {sender.name} the default: {error.message}."
            ) from None
        reported = next((item.name for item in client.list_sender_names() if item.is_default), None)
    chosen = sender if reported == sender.name else _named(sender.account_id, reported) if reported else None
    _clear_default(sender.account_id)
    if chosen is not None and chosen.is_active:
        chosen.is_default = True
        _add_event(chosen, chosen.status, chosen.status, EventSource.PERSON, by)
        record_event(sender.account_id, by, "sender.default_set",
                     f"{by.email} made {chosen.name} the default sender", name=chosen.name)
    db.session.flush()
    return reported


def use_smsapi_default(account_id: int, by: User) -> None:
    """Send without naming a sender, so SMSAPI uses the default set in its own panel."""
    lock_account(account_id)
    if _clear_default(account_id) is None:
        return
    record_event(account_id, by, "sender.default_cleared",
                 f"{by.email} chose SMSAPI's account default as the default sender")
    db.session.flush()


def drafts_by_sender(account_id: int) -> dict[int, list[str]]:
    """The names of the drafts that use each sender name, keyed by its id (one query for the page)."""
    rows = db.session.execute(
        select(Campaign.sender_name_id, Campaign.name)
        .where(Campaign.account_id == account_id, Campaign.sender_name_id.is_not(None),
               Campaign.status == CampaignStatus.DRAFT.value)
        .order_by(Campaign.name)
    )
    drafts: dict[int, list[str]] = {}
    for sender_id, name in rows:
        drafts.setdefault(sender_id, []).append(name)
    return drafts


def fallback_sender(account_id: int) -> str:
    """What a draft without a sender name of its own sends from: the default, in words."""
    default = db.session.scalar(
        select(SenderName.name).where(SenderName.account_id == account_id, SenderName.is_default.is_(True))
    )
    return f"the default sender {default}" if default else "SMSAPI's account default"


def delete_sender_name(sender: SenderName, by: User) -> list[str]:
    """Remove the name at SMSAPI and mark it deleted; the default must be replaced first.

    Drafts that used it go over to the account's default sender (a deleted name can never send);
    returns their names, so the admin is told which drafts changed.
    """
    if sender.is_default:
        raise SenderNameError(f"{sender.name} is the default sender: choose another default first.")
    if sender.status == SenderStatus.DELETED:
        return []
    # A name already gone at SMSAPI (SmsapiNotFound) leaves only our copy to mark.
    with _smsapi(sender.account_id) as client, suppress(SmsapiNotFound):
        client.delete_sender_name(sender.name)
    _change_status(sender, SenderStatus.DELETED.value, EventSource.PERSON, by)
    record_event(sender.account_id, by, "sender.deleted", f"{by.email} deleted the sender name {sender.name}",
                 name=sender.name)
    moved = drafts_by_sender(sender.account_id).get(sender.id, [])
    db.session.execute(
        update(Campaign)
        .where(Campaign.account_id == sender.account_id, Campaign.sender_name_id == sender.id,
               Campaign.status == CampaignStatus.DRAFT.value)
        .values(sender_name_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
    return moved


@dataclass
class SyncResult:
    """What one sync changed: (name, from, to) per change."""

    changes: list[tuple[str, str | None, str]] = field(default_factory=list)


def sync_sender_names(account_id: int) -> SyncResult:
    """Read every name from SMSAPI (one call) and bring the copy up to date, recording each change.

    Names only SMSAPI has are imported; a name SMSAPI no longer lists is marked deleted, as SMSAPI
    forgets deleted names. Nothing changes when SMSAPI cannot be asked (SenderNameError).
    """
    with _smsapi(account_id) as client:
        remote = {item.name: item for item in client.list_sender_names()}
    result, now = SyncResult(), utcnow()
    local = {sender.name: sender for sender in names_of(account_id)}
    for name, item in remote.items():
        status = _status(item.status)
        sender = local.get(name)
        if status is None or (sender is None and status == SenderStatus.DELETED):
            continue
        if sender is None:
            sender = _import_name(account_id, name, status)
            if sender is None:
                continue
            result.changes.append((name, None, status))
        elif sender.status != status:
            result.changes.append((name, sender.status, status))
            _change_status(sender, status, EventSource.SYNC, None)
        sender.last_checked_at = now
    for name, sender in local.items():
        if name not in remote and sender.status != SenderStatus.DELETED:
            result.changes.append((name, sender.status, SenderStatus.DELETED.value))
            _change_status(sender, SenderStatus.DELETED.value, EventSource.SYNC, None)
            sender.last_checked_at = now
    for name, previous, status in result.changes:
        record_event(account_id, None, "sender.status_synced",
                     f"SMSAPI reports {name} as {status}" + (f" (was {previous})" if previous else ""),
                     name=name, status=status)
    db.session.flush()
    return result


def describe_changes(result: SyncResult) -> str:
    """What a check found, in words for the admin: a name SMSAPI had and the portal did not is named
    as imported, so a name nobody registered here (such as SMSAPI's own "Test") is no surprise."""
    if not result.changes:
        return "Checked just now, nothing changed."
    said = []
    for name, previous, status in result.changes:
        if previous is None:
            said.append(f"{name} was found in your SMSAPI account and imported (status: {status})")
        else:
            said.append(f"{name} is now {status} (was {previous})")
    return "Checked just now: " + "; ".join(said) + "."


def _import_name(account_id: int, name: str, status: str) -> SenderName | None:
    """A name made in SMSAPI's panel, stored as SMSAPI has it (it may break the portal's own rule).

    Each import is its own savepoint: a row the database refuses is logged and skipped, and the
    other names of the sync are still brought up to date.
    """
    if not name or len(name) > MAX_STORED_LENGTH:
        log.warning("Sender name from SMSAPI not imported for account %s: %r is longer than %s characters",
                    account_id, name[:80], MAX_STORED_LENGTH)
        return None
    try:
        with db.session.begin_nested():
            sender = SenderName(account_id=account_id, name=name, status=status)
            db.session.add(sender)
            db.session.flush()
            _add_event(sender, None, status, EventSource.SYNC, None)
            db.session.flush()
    except SQLAlchemyError as error:
        log.warning("Sender name %r from SMSAPI not imported for account %s: %s",
                    name, account_id, type(error).__name__)
        return None
    return sender


def accounts_with_pending_names() -> list[int]:
    """The connected accounts that wait for SMSAPI's decision on a name (the periodic sync's work)."""
    pending = select(SenderName.account_id).where(SenderName.status == SenderStatus.PENDING.value)
    return list(db.session.scalars(
        select(SmsSettings.account_id)
        .where(SmsSettings.token_ciphertext.is_not(None), SmsSettings.account_id.in_(pending))
        .order_by(SmsSettings.account_id)
        .execution_options(all_accounts=True)
    ))


def notices_for(user: User) -> list[SenderNameEvent]:
    """Decisions on names the account waited for, not yet seen by the user (admins only: they act)."""
    if not user.is_admin:
        return []
    since = user.notices_seen_at or user.created_at
    return list(db.session.scalars(
        select(SenderNameEvent)
        .where(SenderNameEvent.account_id == user.account_id, SenderNameEvent.created_at > since,
               SenderNameEvent.from_status == SenderStatus.PENDING.value,
               SenderNameEvent.to_status.in_(NOTICE_STATUSES))
        .order_by(SenderNameEvent.id)
    ))


def dismiss_notices(user: User) -> None:
    user.notices_seen_at = utcnow()
    db.session.flush()


@contextmanager
def _smsapi(account_id: int) -> Iterator[SmsapiClient]:
    """The account's client, with every failure to reach or use SMSAPI turned into a SenderNameError."""
    try:
        with connected_client(account_id) as client:
            yield client
    except SmsapiUnavailable as error:
        raise SenderNameError(str(error)) from None
    except SmsapiError as error:
        raise SenderNameError(f"SMSAPI refused the request: {error.message}.") from None


def _named(account_id: int, name: str) -> SenderName | None:
    query = select(SenderName).where(SenderName.account_id == account_id, SenderName.name == name)
    return db.session.scalar(query)


def _status(smsapi_status: str) -> str | None:
    """SMSAPI's status in our spelling; None for a status SMSAPI may add later (left untouched)."""
    try:
        return SenderStatus(smsapi_status.lower()).value
    except ValueError:
        return None


def _clear_default(account_id: int) -> SenderName | None:
    """Unmark the current default (flushed first: the database allows one default per account)."""
    current = db.session.scalar(
        select(SenderName).where(SenderName.account_id == account_id, SenderName.is_default.is_(True))
    )
    if current is not None:
        current.is_default = False
        db.session.flush()
    return current


def _change_status(sender: SenderName, status: str, source: EventSource, by: User | None) -> None:
    previous = sender.status
    sender.status, sender.status_changed_at = status, utcnow()
    if status != SenderStatus.ACTIVE and sender.is_default:
        sender.is_default = False  # only an active name can be the default
    _add_event(sender, previous, status, source, by)


def _add_event(sender: SenderName, previous: str | None, status: str, source: EventSource,
               by: User | None) -> None:
    db.session.add(SenderNameEvent(
        account_id=sender.account_id, sender_name_id=sender.id, from_status=previous, to_status=status,
        source=source.value, user_id=by.id if by else None,
    ))
