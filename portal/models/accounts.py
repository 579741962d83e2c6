"""Accounts (the CRM's customers) and their users."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.base import AccountScoped, Timestamps, UTCDateTime

DEFAULT_TIMEZONE = "Europe/Warsaw"
DEFAULT_COUNTRY = "PL"


class Role(StrEnum):
    ADMIN = "admin"
    MEMBER = "member"

    @property
    def label(self) -> str:
        return {"admin": "Admin", "member": "Member"}[self.value]


class Account(Timestamps, db.Model):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # IANA zone every time is shown in and schedules are read in.
    timezone: Mapped[str] = mapped_column(
        String(64), default=DEFAULT_TIMEZONE, server_default=DEFAULT_TIMEZONE
    )
    # ISO 3166 region that national phone numbers (typed or imported without +) are read in.
    default_country: Mapped[str] = mapped_column(
        String(2), default=DEFAULT_COUNTRY, server_default=DEFAULT_COUNTRY
    )

    users: Mapped[list[User]] = relationship(back_populates="account", order_by="User.email")

    def __repr__(self) -> str:
        return f"<Account {self.id} {self.name!r}>"


class User(UserMixin, AccountScoped, Timestamps, db.Model):
    __tablename__ = "user"
    __table_args__ = (Index(None, "account_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.MEMBER.value)
    active: Mapped[bool] = mapped_column(default=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Notices (e.g. a sender name approved) newer than this are shown at the next page view.
    notices_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of every session and remember-me cookie: raising it ends all of them (sign-out, a new
    # password, deactivation).
    session_version: Mapped[int] = mapped_column(default=0, server_default="0")

    account: Mapped[Account] = relationship(back_populates="users")

    def get_id(self) -> str:
        """What the session and the remember-me cookie hold: the id and the session version."""
        return f"{self.id}:{self.session_version}"

    def end_sessions(self) -> None:
        """Every session and remember-me cookie of this user stops working (at its next request)."""
        self.session_version = (self.session_version or 0) + 1

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r} {self.role}>"
