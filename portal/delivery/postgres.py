"""The callback's hot path on PostgreSQL: a whole batch stored, matched and applied in one statement.

Same rules as the portable path in `apply.py` (SMSAPI id first, else our idx within the campaign's
key; only this account; forward only; the best report of a batch per message, the first of equal
rank), but the reports travel as one JSON document (`portal.recordsets`), so the statement has one
shape for 1 or 1,000 reports, is prepared once per connection and costs one round trip. Status, rank
and outcome of each report still come from the table in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Connection

from portal.extensions import db
from portal.recordsets import json_document
from portal.sms.idx import parse_message_idx

if TYPE_CHECKING:
    from portal.delivery.apply import Incoming

#: In the driver's own placeholders: on the batching thread's connection it goes straight to psycopg.
_STATEMENT = """
WITH input AS (
    SELECT * FROM ROWS FROM (json_to_recordset(CAST(%(reports)s AS json)) AS (
        msg_id text, idx text, idx_key text, idx_message bigint, status_code int, status_name text,
        points numeric, mcc int, mnc int, done_at timestamptz, params json, status text, rank int,
        success boolean, batch_size smallint
    )) WITH ORDINALITY AS i(msg_id, idx, idx_key, idx_message, status_code, status_name, points, mcc, mnc,
                            done_at, params, status, rank, success, batch_size, position)
), matched AS (
    SELECT i.*, COALESCE(
        (SELECT m.id FROM message m WHERE m.account_id = %(account)s AND m.smsapi_id = i.msg_id LIMIT 1),
        (SELECT m.id FROM message m JOIN campaign c ON c.id = m.campaign_id
          WHERE m.account_id = %(account)s AND m.id = i.idx_message AND c.idx_key = i.idx_key)
    ) AS message_id
    FROM input i
), stored AS (
    INSERT INTO delivery_report (account_id, received_at, message_id, msg_id, idx, status_code, status_name,
                                 points, mcc, mnc, done_at, params, simulated, batch_size)
    SELECT %(account)s, %(now)s, m.message_id, m.msg_id, m.idx, m.status_code, m.status_name, m.points,
           m.mcc, m.mnc, m.done_at, m.params, %(simulated)s, m.batch_size
    FROM matched m ORDER BY m.position
    RETURNING message_id
), best AS (
    SELECT DISTINCT ON (message_id) *
    FROM matched WHERE message_id IS NOT NULL AND status IS NOT NULL
    ORDER BY message_id, rank DESC, position
), moved AS (
    UPDATE message m SET
        status = b.status, status_rank = b.rank, report_code = b.status_code, status_changed_at = %(now)s,
        points = COALESCE(b.points, m.points), mcc = COALESCE(b.mcc, m.mcc), mnc = COALESCE(b.mnc, m.mnc),
        delivered_at = CASE WHEN b.success IS TRUE THEN COALESCE(b.done_at, %(now)s) ELSE m.delivered_at END,
        failed_at = CASE WHEN b.success IS FALSE THEN COALESCE(b.done_at, %(now)s) ELSE m.failed_at END,
        smsapi_id = CASE WHEN %(simulated)s THEN m.smsapi_id ELSE COALESCE(m.smsapi_id, b.msg_id) END,
        submitted_at = COALESCE(m.submitted_at, %(now)s), leased_until = NULL
    FROM best b
    WHERE m.id = b.message_id AND m.account_id = %(account)s AND m.status_rank < b.rank
    RETURNING m.id
)
SELECT (SELECT count(*) FROM stored WHERE message_id IS NOT NULL), (SELECT count(*) FROM moved)
"""


def store_and_apply(
    account_id: int,
    incoming: Sequence[Incoming],
    outcome_of,
    *,
    simulated: bool,
    now: datetime,
    connection: Connection | None = None,
) -> tuple[int, int]:
    """(reports that named a message, messages moved). `outcome_of(status)` gives the message state
    a status sets, or None when it must leave messages as they are. Runs on `connection` when given,
    else on the session's."""
    rows = []
    for each in incoming:
        report = each.report
        state = report.state
        ours = parse_message_idx(report.idx)
        rows.append({
            **each.columns(), "idx_key": ours[0] if ours else None, "idx_message": ours[1] if ours else None,
            "status": outcome_of(state), "rank": state.rank, "success": state.success,
        })
    parameters = {"reports": json_document(rows), "account": account_id, "now": now, "simulated": simulated}
    # The statement is plain SQL that names its account, so the ORM's per-statement work (and the
    # account scoping of ORM queries) has nothing to add; on a connection of its own (the callback's
    # batching thread) even SQLAlchemy's has nothing to add, and it goes to the driver.
    if connection is None:
        row = db.session.connection().exec_driver_sql(_STATEMENT, parameters).one()
    else:
        row = connection.connection.driver_connection.execute(_STATEMENT, parameters).fetchone()
    return int(row[0]), int(row[1])

