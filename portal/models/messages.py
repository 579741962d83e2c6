"""Messages: one row per recipient of a campaign (and per number of a test send), queued to delivered.

The states and their ranks are those of shared design: `queued` -> `sending` (leased by a worker) ->
`submitted` (SMSAPI took it) -> SMSAPI's in-flight statuses -> a final one. `status_rank` is stored so
that "delivery status only moves forward" is one `UPDATE ... WHERE status_rank < :new` in SQL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    ForeignKeyConstraint,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    and_,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import AccountScoped, BigId, UTCDateTime, utcnow
from portal.sms import delivery


class MessageStatus(StrEnum):
    # Before SMSAPI
    QUEUED = "queued"
    SENDING = "sending"
    # SMSAPI accepted it (id, points, parts known, or a duplicate idx: matched by idx later)
    SUBMITTED = "submitted"
    # SMSAPI's in-flight reports (409 QUEUE, 403 SENT, 410 ACCEPTED / 411 RENEWAL)
    SMSAPI_QUEUE = "smsapi_queue"
    SENT = "sent"
    ACCEPTED = "accepted"
    # Finals from reports
    DELIVERED = "delivered"  # 404
    UNDELIVERED = "undelivered"  # 405
    EXPIRED = "expired"  # 402
    FAILED = "failed"  # 406, or refused before SMSAPI sent it (invalid number, content, auth gave up)
    REJECTED = "rejected"  # 407
    STOPPED = "stopped"  # 412
    UNKNOWN = "unknown"  # 401 / 408: a later definite final may still replace it
    # Never sent
    CANCELLED = "cancelled"
    SKIPPED = "skipped"  # opted out at dispatch


#: Rank of each state; a report applies only where the stored rank is lower than its own.
STATUS_RANK: dict[str, int] = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SUBMITTED: 5,
    MessageStatus.SMSAPI_QUEUE: delivery.RANK_QUEUE,
    MessageStatus.SENT: delivery.RANK_SENT,
    MessageStatus.ACCEPTED: delivery.RANK_ACCEPTED,
    MessageStatus.UNKNOWN: delivery.RANK_FINAL_UNKNOWN,
    MessageStatus.DELIVERED: delivery.RANK_FINAL,
    MessageStatus.UNDELIVERED: delivery.RANK_FINAL,
    MessageStatus.EXPIRED: delivery.RANK_FINAL,
    MessageStatus.FAILED: delivery.RANK_FINAL,
    MessageStatus.REJECTED: delivery.RANK_FINAL,
    MessageStatus.STOPPED: delivery.RANK_FINAL,
    MessageStatus.CANCELLED: delivery.RANK_FINAL,
    MessageStatus.SKIPPED: delivery.RANK_FINAL,
}

#: SMSAPI's report codes (SMSAPI.md §3.5) as message states.
STATUS_FOR_REPORT_CODE: dict[int, MessageStatus] = {
    401: MessageStatus.UNKNOWN,
    402: MessageStatus.EXPIRED,
    403: MessageStatus.SENT,
    404: MessageStatus.DELIVERED,
    405: MessageStatus.UNDELIVERED,
    406: MessageStatus.FAILED,
    407: MessageStatus.REJECTED,
    408: MessageStatus.UNKNOWN,
    409: MessageStatus.SMSAPI_QUEUE,
    410: MessageStatus.ACCEPTED,
    411: MessageStatus.ACCEPTED,
    412: MessageStatus.STOPPED,
}

FINAL_STATUSES = frozenset(
    status for status, rank in STATUS_RANK.items() if rank >= delivery.RANK_FINAL_UNKNOWN
)


class Message(AccountScoped, db.Model):
    """One SMS to one number. Its SMSAPI `idx` is derived, never stored: `portal.sms.idx`."""

    __tablename__ = "message"
    __table_args__ = (
        # The campaign within the account: one row-by-row check per new message rather than two
        # (account, then campaign), and no message of one account on another's campaign. Deleting
        # an account reaches its messages through its campaigns.
        ForeignKeyConstraint(["account_id", "campaign_id"], ["campaign.account_id", "campaign.id"],
                             ondelete="CASCADE"),
        # Progress counts; claiming a chunk: a campaign's queued messages in the order of their ids,
        # read from the index without sorting them (and never through the primary key from the
        # table's first message, past every message of earlier campaigns).
        Index(None, "campaign_id", "status", "id"),
        # Delivery reports; a queued message has no SMSAPI id yet, so launches write no entry.
        Index(None, "account_id", "smsapi_id", postgresql_where=text("smsapi_id IS NOT NULL"),
              sqlite_where=text("smsapi_id IS NOT NULL")),
        # The dashboard's last 30 days: messages sent, delivered and failed in a window of time, each
        # found without reading the account's older messages. A queued message is in none of them.
        Index(None, "account_id", "submitted_at", postgresql_where=text("submitted_at IS NOT NULL"),
              sqlite_where=text("submitted_at IS NOT NULL")),
        Index(None, "account_id", "delivered_at", postgresql_where=text("delivered_at IS NOT NULL"),
              sqlite_where=text("delivered_at IS NOT NULL")),
        Index(None, "account_id", "failed_at", postgresql_where=text("failed_at IS NOT NULL"),
              sqlite_where=text("failed_at IS NOT NULL")),
        # The reconciler's look-up of leases that ran out: only the few rows being sent are indexed.
        Index(
            "ix_message_leased_until_sending",
            "leased_until",
            postgresql_where=text("status = 'sending'"),
            sqlite_where=text("status = 'sending'"),
        ),
        # Test sends are few: found without reading a campaign's own messages.
        Index(
            "ix_message_campaign_id_status_test_sends",
            "campaign_id",
            "status",
            postgresql_where=text("is_test_send"),
            sqlite_where=text("is_test_send"),
        ),
        # The report's delivered-over-time chart: delivered messages only.
        Index(None, "campaign_id", "delivered_at", postgresql_where=text("delivered_at IS NOT NULL"),
              sqlite_where=text("delivered_at IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column()  # its foreign key is the campaign's, above
    campaign_id: Mapped[int] = mapped_column()
    # The contact the launch found for this number, read only to personalise the text when it is
    # sent; deliberately no foreign key. Checked row by row, one cost a launch between an eighth and
    # a quarter of its time (1,000,000 messages: 18.8 s against 16.5), and deleting a contact had to
    # look through every message for it. A contact deleted after the launch leaves its id here: the
    # values are read by id and phone together (`recipients.contact_values`), so a later contact
    # given the same id is never taken for it.
    contact_id: Mapped[int | None] = mapped_column(BigId)
    phone: Mapped[str] = mapped_column(String(16))
    # A test send to numbers typed in: kept out of the campaign's statistics.
    is_test_send: Mapped[bool] = mapped_column(default=False)
    # The text as rendered for this recipient, and what our own count says it costs.
    text: Mapped[str | None] = mapped_column(Text)
    parts: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(16), default=MessageStatus.QUEUED.value)
    status_rank: Mapped[int] = mapped_column(SmallInteger, default=0)
    # Decided when the message is sent (the account's test mode then), kept forever.
    test_mode: Mapped[bool | None] = mapped_column()
    attempts: Mapped[int] = mapped_column(SmallInteger, default=0)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    smsapi_id: Mapped[str | None] = mapped_column(String(32))
    points: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    smsapi_parts: Mapped[int | None] = mapped_column(SmallInteger)
    report_code: Mapped[int | None] = mapped_column(Integer)  # SMSAPI's last applied status (401-412)
    error_code: Mapped[int | None] = mapped_column(Integer)
    error_text: Mapped[str | None] = mapped_column(String(255))
    mcc: Mapped[int | None] = mapped_column(Integer)
    mnc: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


#: A test-mode message SMSAPI took and no report has reached yet: the portal makes its report. The
#: status is a constant, not a parameter, so that the database sees a query asking for these rows
#: is served by their index.
TEST_REPORT_DUE = and_(
    Message.test_mode, Message.status == literal_column(f"'{MessageStatus.SUBMITTED.value}'"),
    Message.report_code.is_(None),
)

# Test mode: the messages waiting for their simulated report, looked for every few seconds. Only
# those are indexed, so a real send writes no entry here.
Index(
    "ix_message_account_id_submitted_at_test_reports_due",
    Message.account_id,
    Message.submitted_at,
    postgresql_where=TEST_REPORT_DUE,
    sqlite_where=TEST_REPORT_DUE,
)
