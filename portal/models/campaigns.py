"""SMS campaigns: a message, a sender and contact lists, from draft through sending to finished."""

from __future__ import annotations

import secrets
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.models.accounts import User
from portal.models.base import AccountScoped, Timestamps, UTCDateTime
from portal.models.senders import SenderName


class CampaignStatus(StrEnum):
    """The lifecycle; which moves are allowed is `portal.campaigns.lifecycle.TRANSITIONS`."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    PAUSED = "paused"
    FINISHED = "finished"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def new_idx_key() -> str:
    """A random prefix for the `idx` of a campaign's messages (see `portal.sms.idx`)."""
    return secrets.token_hex(4)


class Campaign(AccountScoped, Timestamps, db.Model):
    __tablename__ = "campaign"
    __table_args__ = (
        # What a message's foreign key refers to: its campaign within its account.
        UniqueConstraint("account_id", "id"),
        # The reconciler's look-ups: due scheduled campaigns, campaigns still sending.
        Index(None, "status", "scheduled_at"),
        # The campaign list: the account's campaigns, last changed first, a page at a time.
        Index(None, "account_id", "updated_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    message: Mapped[str] = mapped_column(Text, default="")
    # None: the account's default sender (the portal's, else SMSAPI's own default).
    sender_name_id: Mapped[int | None] = mapped_column(ForeignKey("sender_name.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default=CampaignStatus.DRAFT.value)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # Makes every message's SMSAPI `idx` unique even across a database restored or started anew.
    idx_key: Mapped[str] = mapped_column(String(8), default=new_idx_key)
    # When a scheduled campaign is due (UTC; chosen in the account's time zone).
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    launched_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why sending stopped by itself (SMSAPI refused the token, no points...), in plain words.
    paused_reason: Mapped[str | None] = mapped_column(String(500))
    # Only the lists' contacts whose consent is recorded (`portal.contacts.audience`): a marketing
    # campaign's choice; a reminder of an appointment goes to every contact who has not opted out.
    consent_only: Mapped[bool] = mapped_column(default=False)

    # Raised by every save of the draft; a save from a form that showed an older one is refused.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    sender_name: Mapped[SenderName | None] = relationship()
    created_by: Mapped[User | None] = relationship()
    lists: Mapped[list[CampaignList]] = relationship(
        cascade="all, delete-orphan", order_by="CampaignList.list_id"
    )

    # The version is set by the service (version_id_generator=False); the UPDATE still checks the
    # loaded one, so two saves that both started from version n cannot both win.
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def list_ids(self) -> list[int]:
        return [item.list_id for item in self.lists]


class CampaignList(AccountScoped, db.Model):
    """A contact list a campaign goes to; the audience is every list's contacts, each once."""

    __tablename__ = "campaign_list"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaign.id", ondelete="CASCADE"), primary_key=True)
    list_id: Mapped[int] = mapped_column(
        ForeignKey("contact_list.id", ondelete="CASCADE"), primary_key=True, index=True
    )
