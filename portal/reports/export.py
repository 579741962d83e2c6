"""A campaign's messages as CSV, streamed: rows come from a server-side cursor in chunks and leave as
they are written, so memory stays flat whether the campaign has a hundred messages or a million."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

from sqlalchemy import select

from portal.downloads import spreadsheet_cell
from portal.extensions import db
from portal.models import Message

CHUNK = 2000
COLUMNS = (
    ("message_id", Message.id), ("phone", Message.phone), ("status", Message.status),
    ("smsapi_status_code", Message.report_code), ("smsapi_id", Message.smsapi_id),
    ("points", Message.points), ("parts", Message.smsapi_parts), ("test_mode", Message.test_mode),
    ("test_send", Message.is_test_send), ("submitted_at", Message.submitted_at),
    ("delivered_at", Message.delivered_at), ("failed_at", Message.failed_at),
    ("status_changed_at", Message.status_changed_at), ("mcc", Message.mcc), ("mnc", Message.mnc),
    ("error_code", Message.error_code), ("error_text", Message.error_text),
)


def campaign_messages_csv(account_id: int, campaign_id: int) -> Iterator[str]:
    """The CSV text in pieces: a header, then one piece per chunk of rows in id order."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([name for name, _ in COLUMNS])
    yield _drain(buffer)
    query = (
        select(*(column for _, column in COLUMNS))
        .where(Message.account_id == account_id, Message.campaign_id == campaign_id)
        .order_by(Message.id)
        .execution_options(all_accounts=True, yield_per=CHUNK)
    )
    for partition in db.session.execute(query).partitions():
        writer.writerows([spreadsheet_cell(value) for value in row] for row in partition)
        yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text
