"""Every page a person can open, for the checks that hold on all of them (phone width, unique ids).

Pages come from the app's URL map, so a page added later is checked without being listed here: every
GET route without required arguments, plus the pages of one record (a draft) found the same way with
its id filled in. An account with content (a connected SMSAPI account, sender names, a draft with a
long name) makes the pages show their tables and cards rather than their empty states.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from flask import Flask

from portal.extensions import db
from portal.models import Campaign, SenderName, User
from portal.settings.service import connect_token
from tests.conftest import in_account

# Not pages: the icon, the delivery-report endpoint SMSAPI calls, leaving, and downloads (a CSV).
NOT_PAGES = {"static", "main.favicon", "reports.export_messages"}
NOT_PAGE_PREFIXES = ("/api/",)


@dataclass
class Furnished:
    account_id: int
    admin_email: str
    member_email: str
    campaign_id: int


def page_paths(app: Flask, campaign_id: int) -> list[str]:
    """The path of every page: GET routes without arguments, and one-record pages for a draft."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint in NOT_PAGES or rule.rule.startswith(NOT_PAGE_PREFIXES):
            continue
        if not rule.arguments:
            paths.add(rule.rule)
        elif rule.arguments == {"campaign_id"} and not rule.defaults:
            paths.add(rule.rule.replace("<int:campaign_id>", str(campaign_id)))
    return sorted(paths)


@pytest.fixture
def furnished(app, account, simulator) -> Furnished:
    """The account connected to the simulator, with sender names and a draft that uses one."""
    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=2.0)
    with in_account(app, account.account_id):
        connect_token(account.account_id, db.session.get(User, account.admin_id), "pl", simulator.token)
        sender = SenderName(account_id=account.account_id, name="ARETONET", status="active")
        db.session.add_all([sender, SenderName(account_id=account.account_id, name="WAITING")])
        db.session.flush()
        campaign = Campaign(
            account_id=account.account_id, name="Spring sale for every customer in Warszawa and Kraków",
            message="Spring sale: 20% off everything until Sunday. Reply STOP to opt out.",
            sender_name_id=sender.id, created_by_id=account.admin_id,
        )
        db.session.add(campaign)
        db.session.commit()
        return Furnished(account.account_id, account.admin_email, account.member_email, campaign.id)
