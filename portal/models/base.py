"""Column types and mixins shared by every model."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC timestamp on every backend (SQLite hands back naive values)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given where a UTC timestamp is stored")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


#: The id type of tables that grow to millions of rows: 64-bit on PostgreSQL; on SQLite an INTEGER
#: PRIMARY KEY (already 64-bit there), which is the only type SQLite autoincrements.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class AccountScoped:
    """A row that belongs to one account: queries are limited to the signed-in user's account.

    The limit is applied by `portal.tenancy` to every ORM SELECT of a subclass, so a view cannot
    forget it. No index of its own: each table declares the composite index its queries use.
    """

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id", ondelete="CASCADE"))


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
