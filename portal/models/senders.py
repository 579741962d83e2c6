"""Sender names registered with SMSAPI, and the history of their approval."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import AccountScoped, UTCDateTime, utcnow
from portal.sms.sender_names import InvalidSenderName, check_sender_name

#: The longest name stored; a longer one from SMSAPI is skipped by the sync (and logged).
MAX_STORED_LENGTH = 64


class SenderStatus(StrEnum):
    """SMSAPI's statuses (ACTIVE, INACTIVE, DELETED, PENDING, REJECTED), stored in lower case."""

    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    INACTIVE = "inactive"
    DELETED = "deleted"


class EventSource(StrEnum):
    REGISTRATION = "registration"  # an admin registered the name in the portal
    SYNC = "sync"  # the status was read from SMSAPI
    PERSON = "person"  # an admin changed it (made default, deleted)


class SenderName(AccountScoped, db.Model):
    __tablename__ = "sender_name"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # SMSAPI's panel accepts names the portal's rule refuses; they are stored as SMSAPI has them.
    name: Mapped[str] = mapped_column(String(MAX_STORED_LENGTH))
    status: Mapped[str] = mapped_column(String(16), default=SenderStatus.PENDING.value)
    is_default: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    events: Mapped[list[SenderNameEvent]] = relationship(
        back_populates="sender_name", order_by="SenderNameEvent.id", cascade="all, delete-orphan"
    )

    @property
    def is_active(self) -> bool:
        return self.status == SenderStatus.ACTIVE

    @property
    def outside_naming_rule(self) -> bool:
        """True for a name made in SMSAPI's panel that the portal's rule would not have registered."""
        try:
            check_sender_name(self.name)
        except InvalidSenderName:
            return True
        return False


# At most one default sender per account (named like every constraint: its column, and its WHERE column).
Index(
    "uq_sender_name_account_id_is_default",
    SenderName.account_id,
    unique=True,
    sqlite_where=SenderName.is_default,
    postgresql_where=SenderName.is_default,
)


class SenderNameEvent(AccountScoped, db.Model):
    """One status change of a sender name: from, to, when, and who or what changed it."""

    __tablename__ = "sender_name_event"
    # The notices query: an account's approvals and rejections since a moment.
    __table_args__ = (Index(None, "account_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_name_id: Mapped[int] = mapped_column(ForeignKey("sender_name.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    source: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sender_name: Mapped[SenderName] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
