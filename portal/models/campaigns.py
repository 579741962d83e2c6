"""SMS campaigns: a message, a sender and (later) recipients, from draft to delivered."""

from __future__ import annotations

import secrets
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import AccountScoped, Timestamps
from portal.models.senders import SenderName


class CampaignStatus(StrEnum):
    DRAFT = "draft"


def new_idx_key() -> str:
    """A random prefix for the `idx` of a campaign's messages (see `portal.sms.idx`)."""
    return secrets.token_hex(4)


class Campaign(AccountScoped, Timestamps, db.Model):
    __tablename__ = "campaign"
    __table_args__ = (Index(None, "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text, default="")
    # None: the account's default sender (the portal's, else SMSAPI's own default).
    sender_name_id: Mapped[int | None] = mapped_column(ForeignKey("sender_name.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Makes every message's SMSAPI `idx` unique even across a database restored or started anew.
    idx_key: Mapped[str] = mapped_column(String(8), default=new_idx_key)
    # Raised by every save of the draft; a save from a form that showed an older one is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    sender_name: Mapped[SenderName | None] = relationship()
    created_by: Mapped[User | None] = relationship()

    # The version is set by the service (version_id_generator=False); the UPDATE still checks the
    # loaded one, so two saves that both started from version n cannot both win.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
