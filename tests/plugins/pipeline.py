"""Fixtures for the send pipeline tests: an account connected to the simulator, with contacts in a
list, a sender name SMSAPI approved, and a campaign ready to launch. Import the fixtures by name."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import insert, select

from portal.campaigns.recipients import set_campaign_lists
from portal.extensions import db
from portal.models import Campaign, Contact, ContactList, ContactListMember, Message, SenderName
from portal.settings.service import connect_token
from portal.smsapi_account import settings_for
from portal.tenancy import account_scope

SENDER = "Shop"


@dataclass
class Setup:
    account_id: int
    admin_id: int
    list_id: int
    sender_id: int


def phone(n: int) -> str:
    """A distinct valid Polish mobile number for each n."""
    return f"+48{600000000 + n}"


def add_contacts(account_id: int, list_id: int, count: int, *, start: int = 0, **fields) -> None:
    """`count` contacts on the list, inserted in two executemany statements."""
    if not count:
        return
    rows = [
        {
            "account_id": account_id,
            "phone": phone(start + n),
            "first_name": fields.get("first_name", f"Name{n}"),
            "last_name": "",
            "fields": {},
        }
        for n in range(count)
    ]
    db.session.execute(insert(Contact), rows)
    ids = db.session.scalars(
        select(Contact.id).where(
            Contact.account_id == account_id, Contact.phone.in_([r["phone"] for r in rows])
        )
    ).all()
    db.session.execute(
        insert(ContactListMember),
        [{"account_id": account_id, "list_id": list_id, "contact_id": i} for i in ids],
    )


@pytest.fixture
def connected(app, account, simulator) -> Setup:
    """The account connected to the simulator (test mode off, so the simulator keeps every idx),
    with an approved sender name and an empty contact list."""
    app.config.update(
        SMSAPI_API_URL=simulator.url,
        SMSAPI_CONNECT_TIMEOUT=1.0,
        SMSAPI_READ_TIMEOUT=2.0,
        SEND_RETRY_BASE_SECONDS=0.01,
    )
    simulator.client().create_sender_name(SENDER)
    simulator.decide_sender_name(SENDER)
    with app.app_context(), account_scope(account.account_id):
        connect_token(account.account_id, None, "pl", simulator.token)
        settings_for(account.account_id).test_mode = False
        sender = SenderName(account_id=account.account_id, name=SENDER, status="active")
        contact_list = ContactList(account_id=account.account_id, name="Customers")
        db.session.add_all([sender, contact_list])
        db.session.commit()
        return Setup(account.account_id, account.admin_id, contact_list.id, sender.id)


def make_ready_campaign(setup: Setup, message: str = "Hello {first_name|there}!", recipients: int = 3) -> int:
    """A draft to the setup's list with `recipients` contacts; call inside an app context."""
    with account_scope(setup.account_id):
        add_contacts(setup.account_id, setup.list_id, recipients)
        campaign = Campaign(
            account_id=setup.account_id,
            name="Spring sale",
            message=message,
            sender_name_id=setup.sender_id,
            created_by_id=setup.admin_id,
        )
        db.session.add(campaign)
        db.session.flush()
        set_campaign_lists(campaign, [setup.list_id])
        db.session.commit()
        return campaign.id


def statuses(campaign_id: int) -> dict[str, int]:
    rows = db.session.execute(
        select(Message.status, db.func.count())
        .where(Message.campaign_id == campaign_id)
        .group_by(Message.status)
        .execution_options(all_accounts=True)
    ).all()
    return dict(rows)
