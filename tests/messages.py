"""Campaigns whose messages SMSAPI has accepted, made directly in the database for the report tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import insert, select

from portal.extensions import db
from portal.models import STATUS_RANK, Campaign, Message, MessageStatus, utcnow
from portal.sms.idx import message_idx

ALL = {"all_accounts": True}


@dataclass(frozen=True)
class SentCampaign:
    campaign_id: int
    idx_key: str
    message_ids: list[int]

    def smsapi_id(self, position: int) -> str:
        return smsapi_id_for(self.message_ids[position])

    def idx(self, position: int) -> str:
        return message_idx(self.idx_key, self.message_ids[position])


def smsapi_id_for(message_id: int) -> str:
    """A stable SMSAPI-looking id (24 hex digits) for a message."""
    return f"{message_id:024X}"


def sent_campaign(
    app, account_id: int, count: int = 3, *, record_ids: bool = True, test_mode: bool = False,
    submitted_ago: timedelta = timedelta(minutes=1), name: str = "Spring sale",
) -> SentCampaign:
    """A campaign with `count` submitted messages (SMSAPI ids recorded unless `record_ids` is False)."""
    with app.app_context():
        campaign = Campaign(account_id=account_id, name=name, message="Hello!")
        db.session.add(campaign)
        db.session.flush()
        submitted = utcnow() - submitted_ago
        rows = [
            {"account_id": account_id, "campaign_id": campaign.id, "phone": f"+4860010{n:04d}",
             "text": "Hello!", "parts": 1, "status": MessageStatus.SUBMITTED.value,
             "status_rank": STATUS_RANK[MessageStatus.SUBMITTED], "test_mode": test_mode,
             "submitted_at": submitted, "points": None, "created_at": submitted}
            for n in range(count)
        ]
        db.session.execute(insert(Message), rows)
        ids = list(db.session.scalars(
            select(Message.id).where(Message.campaign_id == campaign.id).order_by(Message.id)
            .execution_options(all_accounts=True)
        ))
        if record_ids:
            record_smsapi_ids(ids)
        db.session.commit()
        return SentCampaign(campaign.id, campaign.idx_key, ids)


def record_smsapi_ids(message_ids: list[int]) -> None:
    """What the send job does when SMSAPI answers: each message gets its SMSAPI id."""
    for message_id in message_ids:
        db.session.get(Message, message_id, execution_options=ALL).smsapi_id = smsapi_id_for(message_id)
    db.session.flush()


def message_state(app, message_id: int) -> Message:
    with app.app_context():
        message = db.session.get(Message, message_id, execution_options=ALL)
        db.session.expunge(message)
        return message
