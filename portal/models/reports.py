"""Delivery reports as SMSAPI sent them: append-only, one row per report, matched or not; and the
dashboard's figures of the days that no longer change.

The raw parameters are the audit trail; the parsed columns are what the set-based apply joins on.
A report with no `message_id` is unmatched: retried for a few days, then shown to admins as an orphan.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    PrimaryKeyConstraint,
    SmallInteger,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import AccountScoped, BigId, UTCDateTime, utcnow


class DeliveryReport(AccountScoped, db.Model):
    __tablename__ = "delivery_report"
    __table_args__ = (
        Index(None, "message_id", "id"),  # a message's timeline
        # Only unmatched reports need finding by account: tried again by their SMSAPI id or idx, and
        # shown to admins as orphans. Nearly every report names a known message, so these two
        # indexes stay small and a matched report writes no entry to either.
        Index(None, "account_id", "received_at", postgresql_where=text("message_id IS NULL"),
              sqlite_where=text("message_id IS NULL")),
        Index(None, "account_id", "msg_id", postgresql_where=text("message_id IS NULL"),
              sqlite_where=text("message_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    message_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("message.id", ondelete="SET NULL"))
    msg_id: Mapped[str] = mapped_column(String(64))  # SMSAPI's MsgId
    idx: Mapped[str | None] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    status_name: Mapped[str | None] = mapped_column(String(32))
    points: Mapped[Decimal | None] = mapped_column(Numeric(12, 4))
    mcc: Mapped[int | None] = mapped_column(Integer)
    mnc: Mapped[int | None] = mapped_column(Integer)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # This report's own parameters as SMSAPI sent them (one position of a batched callback).
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Made by the portal for a test-mode message (SMSAPI reports nothing for those).
    simulated: Mapped[bool] = mapped_column(default=False)
    batch_size: Mapped[int] = mapped_column(SmallInteger, default=1)


class DailyFigures(AccountScoped, db.Model):
    """One day of an account's sending, as the dashboard counts it on the clock of `zone`: kept once
    the day has settled (`portal.reports.figures`), so that the last 30 days are not counted again
    from every message on every view. Keyed by the zone too: another zone has other days."""

    __tablename__ = "daily_figures"
    __table_args__ = (PrimaryKeyConstraint("account_id", "zone", "day"),)

    zone: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column()
    sent: Mapped[int] = mapped_column(Integer)
    delivered: Mapped[int] = mapped_column(Integer)
    failed: Mapped[int] = mapped_column(Integer)
    points: Mapped[Decimal] = mapped_column(Numeric(14, 4))
    counted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
