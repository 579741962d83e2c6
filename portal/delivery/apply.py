"""Applying SMSAPI's delivery reports to messages: stored raw first, then set-based, forward only.

One call handles one callback (or one batch of simulated reports): a SELECT finds the account's
messages the reports name (by SMSAPI id, else by our `idx`), one INSERT stores every report, and one
UPDATE per distinct status code moves the matched messages, joined to the stored reports in SQL and
only where the message's rank is lower (`portal/sms/delivery.py`). The number of statements does
not grow with the number of reports. Services flush; the caller commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, insert, select, update

from portal.delivery import postgres
from portal.extensions import db
from portal.models import STATUS_FOR_REPORT_CODE, Campaign, DeliveryReport, Message, utcnow
from portal.sms import delivery
from portal.sms.idx import parse_message_idx

#: How long an unmatched report is tried again (its message's SMSAPI id may be recorded late).
UNMATCHED_RETRY_WINDOW = timedelta(days=3)


@dataclass(frozen=True)
class Applied:
    """What one call did: reports stored, how many of them named a known message, messages moved."""

    stored: int
    matched: int
    moved: int


@dataclass(frozen=True)
class _Stored:
    """A stored report the apply step needs: its row id, its message and its status."""

    id: int
    message_id: int
    status: delivery.DeliveryStatus


@dataclass(frozen=True)
class Callback:
    """One callback's reports, with its parameters as SMSAPI sent them (one comma-separated list per
    name, `delivery.parameters_of_each_report` gives each report its own)."""

    reports: Sequence[delivery.DeliveryReport]
    params: Mapping[str, str]


@dataclass(frozen=True)
class Incoming:
    """One report as it is stored: the report, its own parameters, and how many reports its request
    carried."""

    report: delivery.DeliveryReport
    params: Mapping[str, str]
    batch_size: int

    def columns(self) -> dict[str, Any]:
        """Its `delivery_report` columns that come from the request, cut to the columns' lengths."""
        report = self.report
        return {
            "msg_id": report.msg_id[:_MSG_ID], "idx": (report.idx or "")[:_IDX] or None,
            "status_code": report.status, "status_name": (report.status_name or "")[:_STATUS_NAME] or None,
            "points": report.points, "mcc": report.mcc, "mnc": report.mnc, "done_at": report.donedate,
            "params": self.params, "batch_size": self.batch_size,
        }


_MSG_ID, _IDX, _STATUS_NAME = (DeliveryReport.__table__.c[name].type.length
                               for name in ("msg_id", "idx", "status_name"))


def apply_delivery_reports(
    account_id: int,
    reports: Sequence[delivery.DeliveryReport],
    params: Mapping[str, str],
    *,
    simulated: bool = False,
) -> Applied:
    """Store `reports`, each with its own parameters as sent, and apply them to the account's
    messages. Unknown ids are stored unmatched, never an error."""
    return apply_callbacks(account_id, [Callback(reports, params)], simulated=simulated)


def apply_callbacks(
    account_id: int,
    callbacks: Sequence[Callback],
    *,
    simulated: bool = False,
    connection: Connection | None = None,
) -> Applied:
    """Store and apply the reports of several callbacks of one account together, as if they had come
    one after the other in this order: one set of statements for all of them. On PostgreSQL that is
    one statement, run on `connection` when given (it commits nothing itself)."""
    incoming = [
        Incoming(report, own, min(len(callback.reports), 32767))
        for callback in callbacks
        for report, own in zip(
            callback.reports, delivery.parameters_of_each_report(callback.params, len(callback.reports)),
            strict=True,
        )
    ]
    if not incoming:
        return Applied(0, 0, 0)
    now = utcnow()
    if connection is not None or db.session.get_bind().dialect.name == "postgresql":
        matched, moved = postgres.store_and_apply(account_id, incoming, _message_state,
                                                  simulated=simulated, now=now, connection=connection)
        return Applied(len(incoming), matched, moved)
    reports = [each.report for each in incoming]
    message_ids = _match(account_id, reports)
    rows = [
        {**each.columns(), "account_id": account_id, "received_at": now, "message_id": message_ids[i],
         "simulated": simulated}
        for i, each in enumerate(incoming)
    ]
    ids = db.session.scalars(
        insert(DeliveryReport).returning(DeliveryReport.id, sort_by_parameter_order=True), rows
    ).all()
    stored = [
        _Stored(ids[i], message_ids[i], report.state)
        for i, report in enumerate(reports)
        if message_ids[i] is not None
    ]
    moved = _apply_stored(account_id, stored, now)
    return Applied(len(incoming), len(stored), moved)


def apply_pending_reports(account_id: int, message_ids: Iterable[int]) -> int:
    """Re-apply every report stored for these messages, linking first those that named their SMSAPI
    id before it was recorded. For the code that records SMSAPI ids, after it flushed them; safe to
    call any number of times. Returns how many messages moved."""
    ids = list(message_ids)
    if not ids:
        return 0
    link_reports_by_smsapi_id(account_id, Message.id.in_(ids))
    return _reapply(account_id, DeliveryReport.message_id.in_(ids))


def retry_unmatched_reports(account_id: int, now: datetime | None = None) -> int:
    """Match the account's recent unmatched reports again (their SMSAPI id or idx may name a message
    by now) and apply them: the safety net for a recorder that does not call apply_pending_reports."""
    since = (now or utcnow()) - UNMATCHED_RETRY_WINDOW
    linked = link_reports_by_smsapi_id(account_id, Message.smsapi_id.is_not(None), since=since)
    linked += _link_by_idx(account_id, since)
    if not linked:
        return 0
    return _reapply(account_id, DeliveryReport.id.in_(linked))


def accounts_with_unmatched_reports(now: datetime | None = None) -> list[int]:
    """The accounts holding unmatched reports still worth another try."""
    since = (now or utcnow()) - UNMATCHED_RETRY_WINDOW
    return list(db.session.scalars(
        select(DeliveryReport.account_id).distinct()
        .where(DeliveryReport.message_id.is_(None), DeliveryReport.received_at >= since)
        .execution_options(all_accounts=True)
    ))


def link_reports_by_smsapi_id(account_id: int, which_messages, *, since: datetime | None = None) -> list[int]:
    """Give unmatched reports the message whose SMSAPI id they carry; returns the reports linked."""
    message = (
        select(Message.id)
        .where(Message.account_id == account_id, Message.smsapi_id == DeliveryReport.msg_id, which_messages)
        .limit(1)
        .scalar_subquery()
    )
    conditions = [DeliveryReport.account_id == account_id, DeliveryReport.message_id.is_(None)]
    if since is not None:
        conditions.append(DeliveryReport.received_at >= since)
    candidates = select(DeliveryReport.id).where(*conditions, message.is_not(None))
    linked = list(db.session.scalars(candidates.execution_options(all_accounts=True)))
    if linked:
        db.session.execute(
            update(DeliveryReport)
            .where(DeliveryReport.account_id == account_id, DeliveryReport.id.in_(linked))
            .values(message_id=message)
            .execution_options(synchronize_session=False)
        )
    return linked


def _link_by_idx(account_id: int, since: datetime) -> list[int]:
    pending = db.session.execute(
        select(DeliveryReport.id, DeliveryReport.idx)
        .where(DeliveryReport.account_id == account_id, DeliveryReport.message_id.is_(None),
               DeliveryReport.received_at >= since, DeliveryReport.idx.is_not(None))
        .execution_options(all_accounts=True)
    ).all()
    owners = _messages_for_idx(account_id, {row.id: row.idx for row in pending})
    if owners:
        db.session.execute(
            update(DeliveryReport)
            .where(DeliveryReport.account_id == account_id, DeliveryReport.id.in_(owners))
            .values(message_id=case(owners, value=DeliveryReport.id))
            .execution_options(synchronize_session=False)
        )
    return list(owners)


def _match(account_id: int, reports: Sequence[delivery.DeliveryReport]) -> list[int | None]:
    """The message id each report names in this account (by SMSAPI id, else by our idx), or None."""
    msg_ids = {report.msg_id for report in reports}
    by_smsapi_id = dict(
        db.session.execute(
            select(Message.smsapi_id, Message.id)
            .where(Message.account_id == account_id, Message.smsapi_id.in_(msg_ids))
            .execution_options(all_accounts=True)
        ).all()
    ) if msg_ids else {}
    by_idx = _messages_for_idx(
        account_id, {i: r.idx for i, r in enumerate(reports) if r.msg_id not in by_smsapi_id and r.idx}
    )
    return [by_smsapi_id.get(report.msg_id, by_idx.get(i)) for i, report in enumerate(reports)]


def _messages_for_idx(account_id: int, idx_by_key: Mapping) -> dict:
    """For each key whose idx is one of ours (campaign key + message id) in this account, the message."""
    parsed = {key: parse_message_idx(idx) for key, idx in idx_by_key.items()}
    parsed = {key: value for key, value in parsed.items() if value is not None}
    if not parsed:
        return {}
    known = dict(
        db.session.execute(
            select(Message.id, Campaign.idx_key)
            .join(Campaign, Campaign.id == Message.campaign_id)
            .where(Message.account_id == account_id, Message.id.in_({mid for _, mid in parsed.values()}))
            .execution_options(all_accounts=True)
        ).all()
    )
    return {key: mid for key, (idx_key, mid) in parsed.items() if known.get(mid) == idx_key}


def _reapply(account_id: int, which_reports) -> int:
    rows = db.session.execute(
        select(DeliveryReport.id, DeliveryReport.message_id, DeliveryReport.status_code,
               DeliveryReport.status_name)
        .where(DeliveryReport.account_id == account_id, DeliveryReport.message_id.is_not(None), which_reports)
        .order_by(DeliveryReport.id)
        .execution_options(all_accounts=True)
    ).all()
    stored = [_Stored(row.id, row.message_id, delivery.status_for(row.status_code, row.status_name))
              for row in rows]
    return _apply_stored(account_id, stored, utcnow())


def _apply_stored(account_id: int, stored: Sequence[_Stored], now: datetime) -> int:
    """Move each message to its best report (highest rank; the first of equal ranks), one UPDATE per
    status code, joined to the stored reports for their points, operator and times."""
    best: dict[int, _Stored] = {}
    for report in stored:
        current = best.get(report.message_id)
        if current is None or report.status.rank > current.status.rank:
            best[report.message_id] = report
    by_code: dict[int, list[int]] = {}
    for report in best.values():
        code = _known_code(report.status)
        if code is not None:
            by_code.setdefault(code, []).append(report.id)
    moved = 0
    for code, report_ids in by_code.items():
        moved += _apply_code(account_id, delivery.status_for(code), report_ids, now)
    return moved


def _known_code(status: delivery.DeliveryStatus) -> int | None:
    """The table's code for a status: its own, or the one its name stands for when SMSAPI sent a code
    the table does not know (names map only as a fallback, SMSAPI.md §3.5); None leaves messages be."""
    if status.code in STATUS_FOR_REPORT_CODE:
        return status.code
    return next((known.code for known in delivery.STATUSES.values() if known.name == status.name), None)


def _message_state(status: delivery.DeliveryStatus) -> str | None:
    """The message state a report's status sets, or None when it leaves messages as they are."""
    code = _known_code(status)
    return None if code is None else STATUS_FOR_REPORT_CODE[code].value


def _apply_code(
    account_id: int, status: delivery.DeliveryStatus, report_ids: list[int], now: datetime
) -> int:
    reached = func.coalesce(DeliveryReport.done_at, now)
    values = {
        Message.status: STATUS_FOR_REPORT_CODE[status.code].value,
        Message.status_rank: status.rank,
        Message.report_code: status.code,
        Message.status_changed_at: now,
        Message.points: func.coalesce(DeliveryReport.points, Message.points),
        Message.mcc: func.coalesce(DeliveryReport.mcc, Message.mcc),
        Message.mnc: func.coalesce(DeliveryReport.mnc, Message.mnc),
        # A report matched by idx before the send job recorded SMSAPI's answer: what it says of the
        # message is kept (the send job only records messages it still holds in `sending`).
        Message.smsapi_id: case((DeliveryReport.simulated.is_(True), Message.smsapi_id),
                                else_=func.coalesce(Message.smsapi_id, DeliveryReport.msg_id)),
        Message.submitted_at: func.coalesce(Message.submitted_at, DeliveryReport.received_at),
        Message.leased_until: None,
    }
    if status.success is True:
        values[Message.delivered_at] = reached
    elif status.success is False:
        values[Message.failed_at] = reached
    result = db.session.execute(
        update(Message)
        .where(
            Message.id == DeliveryReport.message_id,
            DeliveryReport.id.in_(report_ids),
            DeliveryReport.account_id == account_id,
            Message.account_id == account_id,
            Message.status_rank < status.rank,
        )
        .values(values)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount

