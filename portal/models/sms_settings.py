"""An account's connection to SMSAPI: service, encrypted token, test mode, callback secret."""

from __future__ import annotations

import secrets
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from portal.extensions import db
from portal.models.base import AccountScoped, Timestamps, UTCDateTime


def new_callback_secret() -> str:
    return secrets.token_urlsafe(32)


class SmsSettings(AccountScoped, Timestamps, db.Model):
    """One row per account; created with test mode on and a fresh callback secret."""

    __tablename__ = "sms_settings"
    __table_args__ = (UniqueConstraint("account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(8), default="pl")
    # The SMSAPI token, encrypted with the configured Fernet keys; never rendered back.
    token_ciphertext: Mapped[str | None] = mapped_column(Text)
    token_last4: Mapped[str | None] = mapped_column(String(4))
    smsapi_username: Mapped[str | None] = mapped_column(String(120))
    points_balance: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    test_mode: Mapped[bool] = mapped_column(default=True)
    callback_secret: Mapped[str] = mapped_column(String(64), default=new_callback_secret)
    # After a new secret is made, messages already sent still carry the old one in their notify_url.
    previous_callback_secret: Mapped[str | None] = mapped_column(String(64))
    previous_callback_secret_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Refuse reports whose `username` is not the connected SMSAPI user (SMSAPI.md §3.7, a cheap extra check).
    check_callback_username: Mapped[bool] = mapped_column(default=False)

    @property
    def is_connected(self) -> bool:
        return self.token_ciphertext is not None
