"""Sender names and campaigns made directly in the database, for the campaign tests."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.models import Campaign, SenderName
from portal.tenancy import account_scope


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


@pytest.fixture
def make_list(app):
    """Add a contact list with contacts (phone, first name, last name, custom fields); returns its id."""
    from sqlalchemy import select

    from portal.models import Contact, ContactList, ContactListMember

    def make(account_id: int, name: str, contacts: list[tuple]) -> int:
        with app.app_context(), account_scope(account_id):
            contact_list = ContactList(account_id=account_id, name=name)
            db.session.add(contact_list)
            db.session.flush()
            for phone, first, last, fields in contacts:
                contact = db.session.scalar(
                    select(Contact).where(Contact.account_id == account_id, Contact.phone == phone)
                ) or Contact(
                    account_id=account_id, phone=phone, first_name=first, last_name=last, fields=fields
                )
                db.session.add(contact)
                db.session.flush()
                db.session.add(
                    ContactListMember(account_id=account_id, list_id=contact_list.id, contact_id=contact.id)
                )
            db.session.commit()
            return contact_list.id

    return make


@pytest.fixture
def sim_account(app, simulator, account):
    """The account connected to the simulator (test mode on, as for every new account)."""
    from portal.settings.service import connect_token

    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=2.0)
    with app.app_context(), account_scope(account.account_id):
        connect_token(account.account_id, None, "pl", simulator.token)
        db.session.commit()
    return simulator


@pytest.fixture
def ready_campaign(app, account, make_list, make_campaign):
    """A draft to a list of three contacts (one opted out is not among them), personalised."""

    def make(message: str = "Hi {first_name|there}, sale on Monday!", name: str = "Spring sale") -> int:
        from portal.models import CampaignList

        list_id = make_list(
            account.account_id,
            f"Customers of {name}",
            [
                ("+48600100200", "Anna", "Nowak", {"city": "Kraków"}),
                ("+48600100201", "Christopher", "Smith", {"city": "Gdynia"}),
                ("+48600100202", "", "", {}),
            ],
        )
        campaign_id = make_campaign(account.account_id, name=name, message=message)
        with app.app_context(), account_scope(account.account_id):
            db.session.add(
                CampaignList(account_id=account.account_id, campaign_id=campaign_id, list_id=list_id)
            )
            db.session.commit()
        return campaign_id

    return make


def run_jobs(app) -> None:
    """Work every queued job in this process until the queues are empty (a burst worker)."""
    from portal.queue import all_queues, redis_connection
    from tests.in_process_worker import InProcessWorker

    with app.app_context():
        InProcessWorker(all_queues(), connection=redis_connection()).work(burst=True, with_scheduler=False)
