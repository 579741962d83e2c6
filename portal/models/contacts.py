"""Contacts (one per phone number per account), the lists they belong to, opt-outs and imports."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import AccountScoped, BigId, Timestamps, UTCDateTime, utcnow


class Contact(AccountScoped, Timestamps, db.Model):
    """A person a campaign can reach; `phone` is E.164 (`+48600100200`), unique in the account."""

    __tablename__ = "contact"
    __table_args__ = (
        UniqueConstraint("account_id", "phone"),
        # Keyset pages of an account's contacts, and what a list membership refers to.
        UniqueConstraint("account_id", "id"),
        # Search by any part of a name (pg_trgm on PostgreSQL; plain indexes on SQLite).
        *(
            Index(f"ix_contact_{column}_trgm", column, postgresql_using="gin",
                  postgresql_ops={column: "gin_trgm_ops"})
            for column in ("first_name", "last_name")
        ),
        # Search by any part of the number: its runs of four digits (PostgreSQL; the function is made
        # by migration 0011, and `portal.contacts.service` asks for the same expression).
        Index("ix_contact_phone_grams", func.phone_digit_grams(literal_column("phone")),
              postgresql_using="gin").ddl_if(dialect="postgresql"),
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
    # (account_id, id): what a list membership refers to.
    __table_args__ = (UniqueConstraint("account_id", "name"), UniqueConstraint("account_id", "id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class ContactListMember(AccountScoped, db.Model):
    """A contact on a list; deleting either removes the membership, never the other."""

    __tablename__ = "contact_list_member"
    __table_args__ = (
        Index(None, "contact_id"),
        # The list and the contact, each within the account: two checks per new membership, not
        # three, and never one account's list with another's contact. Deleting the account reaches
        # its memberships through its lists and contacts.
        ForeignKeyConstraint(["account_id", "list_id"], ["contact_list.account_id", "contact_list.id"],
                             ondelete="CASCADE"),
        ForeignKeyConstraint(["account_id", "contact_id"], ["contact.account_id", "contact.id"],
                             ondelete="CASCADE"),
    )

    account_id: Mapped[int] = mapped_column()  # its foreign keys are the list's and the contact's
    list_id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(BigId, primary_key=True)
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


class ImportStatus(StrEnum):
    UPLOADED = "uploaded"  # stored, waiting for the column mapping
    QUEUED = "queued"
    RUNNING = "running"
    CANCELLING = "cancelling"  # asked to stop; the job stops at its next chunk
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class ContactImport(AccountScoped, Timestamps, db.Model):
    """One uploaded contacts file, from upload through mapping to the job's summary.

    The job updates the counters in short transactions of their own, so the page can poll them.
    """

    __tablename__ = "contact_import"
    __table_args__ = (Index(None, "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default=ImportStatus.UPLOADED.value)
    encoding: Mapped[str] = mapped_column(String(16))
    delimiter: Mapped[str] = mapped_column(String(1))
    # The target of each column, in file order (see csv_import.TARGETS).
    targets: Mapped[list] = mapped_column(JSON, default=list)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("contact_list.id", ondelete="SET NULL"))
    total_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    bytes_read: Mapped[int] = mapped_column(BigInteger, default=0)
    rows_read: Mapped[int] = mapped_column(default=0)
    imported: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    duplicates: Mapped[int] = mapped_column(default=0)
    invalid: Mapped[int] = mapped_column(default=0)
    opted_out: Mapped[int] = mapped_column(default=0)
    consented: Mapped[int] = mapped_column(default=0, server_default="0")  # rows saying consent is given
    error: Mapped[str | None] = mapped_column(Text)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def is_running(self) -> bool:
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.CANCELLING)

    @property
    def percent(self) -> int:
        if self.status == ImportStatus.DONE:
            return 100
        return min(99, self.bytes_read * 100 // self.total_bytes) if self.total_bytes else 0


class ContactImportChunk(AccountScoped, db.Model):
    """The uploaded file's bytes in pieces, so any worker can stream it; deleted once imported."""

    __tablename__ = "contact_import_chunk"

    import_id: Mapped[int] = mapped_column(
        ForeignKey("contact_import.id", ondelete="CASCADE"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ContactImportRow(AccountScoped, db.Model):
    """A row of an import, staged before the one merge; rows with a `problem` stay as the error report."""

    __tablename__ = "contact_import_row"
    __table_args__ = (Index(None, "import_id", "phone"),)

    import_id: Mapped[int] = mapped_column(
        ForeignKey("contact_import.id", ondelete="CASCADE"), primary_key=True
    )
    row_number: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    phone: Mapped[str | None] = mapped_column(String(16))
    first_name: Mapped[str] = mapped_column(String(100), default="")
    last_name: Mapped[str] = mapped_column(String(100), default="")
    fields: Mapped[dict] = mapped_column(JSON, default=dict)
    opted_out: Mapped[bool] = mapped_column(default=False)
    # The consent column's say: NULL for nothing stated, else given or withdrawn, and since when if given.
    consent: Mapped[bool | None] = mapped_column()
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    consent_source: Mapped[str | None] = mapped_column(String(100))  # where, if the file says
    # A row that is not merged: which column, its value, and the problem in plain words.
    column_name: Mapped[str | None] = mapped_column(String(255))
    value: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(String(255))
    is_duplicate: Mapped[bool] = mapped_column(default=False)  # an earlier row has the same number
