"""Contacts (one per phone number per account), the lists they belong to, and opt-outs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import AccountScoped, BigId, Timestamps, UTCDateTime, utcnow


class Contact(AccountScoped, Timestamps, db.Model):
    """A person a campaign can reach; `phone` is E.164 (`+48600100200`), unique in the account."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("account_id", "phone"),
        Index(None, "account_id", "id"),  # keyset pages of an account's contacts
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    # Free keys (as named in an import or by a person) to string values, for personalisation.
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_source: Mapped[str | None] = mapped_column(String(100))


class ContactList(AccountScoped, Timestamps, db.Model):
    __tablename__ = "contact_list"
    __table_args__ = (UniqueConstraint("account_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class ContactListMember(AccountScoped, db.Model):
    """A contact on a list; deleting either removes the membership, never the other."""

    __tablename__ = "contact_list_member"
    __table_args__ = (Index(None, "contact_id"),)

    list_id: Mapped[int] = mapped_column(ForeignKey("contact_list.id", ondelete="CASCADE"), primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OptOut(AccountScoped, db.Model):
    """A number that must never be messaged again by this account.

    Kept by phone rather than on the contact, so deleting and re-importing a contact cannot undo it,
    and so the launch and the send job exclude it with one join.
    """

    __tablename__ = "opt_out"
    __table_args__ = (UniqueConstraint("account_id", "phone"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    phone: Mapped[str] = mapped_column(String(16))
    opted_out_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(32), default="manual")  # manual | import | ...
