"""The callback's hot path on PostgreSQL: a whole batch stored, matched and applied in one statement.

Same rules as the portable path in `apply.py` (SMSAPI id first, else our idx within the campaign's
key; only this account; forward only; the best report of a batch per message, the first of equal
rank), but the reports travel as arrays (`unnest`), so the statement has one shape for 1 or 1,000
reports, is prepared once per connection, and costs one round trip. Status, rank and outcome of
each report still come from the table in Python.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import text

from portal.extensions import db
from portal.sms import delivery
from portal.sms.idx import parse_message_idx

_STATEMENT = text("""
WITH input AS (
    SELECT * FROM unnest(
        CAST(:msg_id AS text[]), CAST(:idx AS text[]), CAST(:idx_key AS text[]),
        CAST(:idx_message AS bigint[]), CAST(:code AS int[]), CAST(:name AS text[]),
        CAST(:points AS numeric[]), CAST(:mcc AS int[]), CAST(:mnc AS int[]),
        CAST(:done_at AS timestamptz[]), CAST(:params AS text[]),
        CAST(:status AS text[]), CAST(:rank AS int[]), CAST(:success AS boolean[])
    ) WITH ORDINALITY AS i(msg_id, idx, idx_key, idx_message, code, name, points, mcc, mnc, done_at, params,
                           status, rank, success, position)
), matched AS (
    SELECT i.*, COALESCE(
        (SELECT m.id FROM message m WHERE m.account_id = :account AND m.smsapi_id = i.msg_id LIMIT 1),
        (SELECT m.id FROM message m JOIN campaign c ON c.id = m.campaign_id
          WHERE m.account_id = :account AND m.id = i.idx_message AND c.idx_key = i.idx_key)
    ) AS message_id
    FROM input i
), stored AS (
    INSERT INTO delivery_report (account_id, received_at, message_id, msg_id, idx, status_code, status_name,
                                 points, mcc, mnc, done_at, params, simulated, batch_size)
    SELECT :account, :now, message_id, msg_id, idx, code, name, points, mcc, mnc, done_at,
           CAST(params AS json), :simulated, :batch_size
    FROM matched ORDER BY position
    RETURNING message_id
), best AS (
    SELECT DISTINCT ON (message_id) *
    FROM matched WHERE message_id IS NOT NULL AND status IS NOT NULL
    ORDER BY message_id, rank DESC, position
), moved AS (
    UPDATE message m SET
        status = b.status, status_rank = b.rank, report_code = b.code, status_changed_at = :now,
        points = COALESCE(b.points, m.points), mcc = COALESCE(b.mcc, m.mcc), mnc = COALESCE(b.mnc, m.mnc),
        delivered_at = CASE WHEN b.success IS TRUE THEN COALESCE(b.done_at, :now) ELSE m.delivered_at END,
        failed_at = CASE WHEN b.success IS FALSE THEN COALESCE(b.done_at, :now) ELSE m.failed_at END,
        smsapi_id = CASE WHEN :simulated THEN m.smsapi_id ELSE COALESCE(m.smsapi_id, b.msg_id) END,
        submitted_at = COALESCE(m.submitted_at, :now), leased_until = NULL
    FROM best b
    WHERE m.id = b.message_id AND m.account_id = :account AND m.status_rank < b.rank
    RETURNING m.id
)
SELECT (SELECT count(*) FROM stored WHERE message_id IS NOT NULL), (SELECT count(*) FROM moved)
""")


def store_and_apply(
    account_id: int,
    reports: Sequence[delivery.DeliveryReport],
    raw: Sequence[Mapping[str, str]],
    outcome_of,
    *,
    simulated: bool,
    now: datetime,
) -> tuple[int, int]:
    """(reports that named a message, messages moved). `outcome_of(status)` gives the message state
    a status sets, or None when it must leave messages as they are."""
    columns: dict[str, list] = {name: [] for name in (
        "msg_id", "idx", "idx_key", "idx_message", "code", "name", "points", "mcc", "mnc", "done_at",
        "params", "status", "rank", "success")}
    for report, params in zip(reports, raw, strict=True):
        state = report.state
        ours = parse_message_idx(report.idx)
        columns["msg_id"].append(report.msg_id[:64])
        columns["idx"].append((report.idx or "")[:64] or None)
        columns["idx_key"].append(ours[0] if ours else None)
        columns["idx_message"].append(ours[1] if ours else None)
        columns["code"].append(report.status)
        columns["name"].append((report.status_name or "")[:32] or None)
        columns["points"].append(report.points)
        columns["mcc"].append(report.mcc)
        columns["mnc"].append(report.mnc)
        columns["done_at"].append(report.donedate)
        columns["params"].append(json.dumps(dict(params)))
        columns["status"].append(outcome_of(state))
        columns["rank"].append(state.rank)
        columns["success"].append(state.success)
    row = db.session.execute(_STATEMENT, {
        **columns, "account": account_id, "now": now, "simulated": simulated,
        "batch_size": min(len(reports), 32767),
    }).one()
    return int(row[0]), int(row[1])
