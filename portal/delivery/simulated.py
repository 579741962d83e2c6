"""Reports for test-mode messages: SMSAPI sends none for them (SMSAPI.md §5), so the portal makes
them, through the same apply as real callbacks, so a new account can rehearse the whole flow.

A message submitted in test mode more than the configured delay ago with no report yet gets a
DELIVERED report, or UNDELIVERED for a configured share of messages, chosen from the message id so
the same message always gets the same outcome.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from portal.delivery.apply import apply_delivery_reports
from portal.extensions import db
from portal.models import Campaign, Message, utcnow
from portal.models.messages import TEST_REPORT_DUE
from portal.sms.delivery import DeliveryReport
from portal.sms.idx import message_idx

#: Messages made per account per run; the next run takes the rest.
BATCH = 1000
DELIVERED, UNDELIVERED = 404, 405
_NAMES = {DELIVERED: "DELIVERED", UNDELIVERED: "UNDELIVERED"}


def accounts_with_test_messages_due(delay_seconds: int, now: datetime | None = None) -> list[int]:
    """The accounts that have a test-mode message waiting for its simulated report."""
    cutoff = (now or utcnow()) - timedelta(seconds=delay_seconds)
    return list(db.session.scalars(
        select(Message.account_id).distinct().where(*_due(cutoff)).execution_options(all_accounts=True)
    ))


def simulate_test_mode_reports(
    account_id: int, delay_seconds: int, undelivered_share: float, now: datetime | None = None
) -> int:
    """Apply simulated reports to up to BATCH of the account's due test-mode messages; how many."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Message.id, Message.smsapi_id, Message.phone, Message.points, Campaign.idx_key)
        .join(Campaign, Campaign.id == Message.campaign_id)
        .where(Message.account_id == account_id, *_due(now - timedelta(seconds=delay_seconds)))
        .order_by(Message.id)
        .limit(BATCH)
        .execution_options(all_accounts=True)
    ).all()
    reports, raw = [], {name: [] for name in ("MsgId", "status", "status_name", "idx", "donedate", "to")}
    for row in rows:
        code = UNDELIVERED if is_simulated_undelivered(row.id, undelivered_share) else DELIVERED
        idx = message_idx(row.idx_key, row.id)
        msg_id = row.smsapi_id or idx
        reports.append(DeliveryReport(
            msg_id=msg_id, status=code, status_name=_NAMES[code], idx=idx, donedate=now, sent_at=None,
            to=row.phone.lstrip("+"), sender=None, username=None, points=row.points, mcc=None, mnc=None,
        ))
        values = (msg_id, str(code), _NAMES[code], idx, str(int(now.timestamp())), row.phone.lstrip("+"))
        for name, value in zip(raw, values, strict=True):
            raw[name].append(value)
    params = {name: ",".join(values) for name, values in raw.items()}
    apply_delivery_reports(account_id, reports, params, simulated=True)
    return len(reports)


def is_simulated_undelivered(message_id: int, share: float) -> bool:
    """Whether a message's simulated outcome is UNDELIVERED: a fixed spread of the id (Knuth's
    multiplicative hash) against the share, so tests and reruns see the same outcome."""
    return (message_id * 2654435761) % 2**32 < share * 2**32


def _due(cutoff: datetime) -> list:
    """Due test-mode messages: the predicate of their own partial index, and old enough."""
    return [TEST_REPORT_DUE, Message.submitted_at <= cutoff]
