"""Sender names and campaigns made directly in the database, for the campaign tests."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Campaign, SenderName


@pytest.fixture
def make_sender(app):
    """Add a sender name to an account; returns its id."""

    def make(account_id: int, name: str, status: str = "active", is_default: bool = False) -> int:
        with app.app_context():
            sender = SenderName(account_id=account_id, name=name, status=status, is_default=is_default)
            db.session.add(sender)
            db.session.commit()
            return sender.id

    return make


@pytest.fixture
def make_campaign(app):
    """Add a draft to an account; returns its id."""

    def make(account_id: int, name: str = "Spring sale", message: str = "Hello!", created_by_id=None) -> int:
        with app.app_context():
            campaign = Campaign(
                account_id=account_id, name=name, message=message, created_by_id=created_by_id
            )
            db.session.add(campaign)
            db.session.commit()
            return campaign.id

    return make


def stored_campaign(app, campaign_id: int) -> Campaign | None:
    with app.app_context():
        campaign = db.session.get(Campaign, campaign_id, execution_options={"all_accounts": True})
        if campaign is not None:
            db.session.expunge(campaign)
        return campaign
