"""Every page a person can open, for the checks that hold on all of them (phone width, unique ids).

Pages come from the app's URL map, so a page added later is checked without being listed here: every
GET route without arguments, and every page of one record opened with the records of `furnished`
(`RECORD_PAGES`). A rule that is neither must be named in `NOT_PAGES` with the reason, or
`unchecked_rules` names it and a test fails. The account has content (a connected SMSAPI account,
sender names, imported contacts on a list, an opt-out, a draft with a long name, a campaign sent and
reported, one sending and one paused, a deactivated user), so pages show their tables and cards
rather than their empty states.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from werkzeug.routing import Rule

from portal.auth.service import make_reset_token
from portal.campaigns.dispatch import finish_if_done
from portal.campaigns.launch import launch_campaign, pause_campaign
from portal.campaigns.sending import send_chunk
from portal.contacts import importer
from portal.contacts.csv_import import guess_targets
from portal.contacts.service import record_opt_out
from portal.delivery.simulated import simulate_test_mode_reports
from portal.extensions import db
from portal.jobs import import_contacts
from portal.models import (
    Campaign,
    CampaignList,
    Contact,
    ContactList,
    ImportStatus,
    Message,
    Role,
    SenderName,
    User,
)
from portal.settings.service import connect_token
from portal.smsapi_account import CALLBACK_PATH, settings_for
from portal.users.service import add_user, set_active
from tests.conftest import PASSWORD, in_account

#: URL rules that are not pages, and why. A rule without GET is not one either: a form posts to it, and
#: it answers with a redirect or with the page the form is on.
NOT_PAGES = {
    "static": "stylesheets, scripts and images",
    "main.favicon": "the icon",
    "reports.export_messages": "a CSV download",
    "contacts.export_list": "a CSV download",
    "contacts.import_errors": "a CSV download",
}

CUSTOMERS_CSV = (
    "phone;first name;last name;city\n"
    "+48 600 100 300;Ewa;Kowalska-Wiśniewska;Kraków\n"
    "600 100 301;Jan;Nowak;Gdańsk\n"
    "600100302;Zofia;;Sopot\n"
    "600100303;Piotr;Zieliński;Gdynia\n"
    "not a number;Nobody;;\n"
).encode()


@dataclass
class Furnished:
    account_id: int
    admin_email: str
    member_email: str
    campaign_id: int  # a draft to the list, with a sender
    sent_id: int  # sent, its messages reported delivered or not
    message_id: int  # a message of the sent campaign
    sending_id: int
    paused_id: int
    contact_id: int
    opted_out_contact_id: int
    list_id: int
    import_id: int  # finished, with a row it skipped
    uploaded_import_id: int  # waiting for its columns to be chosen
    sender_id: int  # waiting for SMSAPI's approval
    member_id: int
    reset_token: str


#: The pages of one record, each with the records it is opened with: one visit per state it shows.
RECORD_PAGES: dict[str, Callable[[Furnished], list[dict]]] = {
    "campaigns.edit": lambda f: [{"campaign_id": f.campaign_id}, {"campaign_id": f.sent_id},
                                 {"campaign_id": f.paused_id}],
    "campaigns.launch": lambda f: [{"campaign_id": f.campaign_id}],
    "campaigns.delete": lambda f: [{"campaign_id": f.campaign_id}],
    "campaigns.progress": lambda f: [{"campaign_id": f.sending_id}],
    "campaigns.change_state": lambda f: [
        {"campaign_id": f.sending_id, "action": "pause"},
        {"campaign_id": f.sending_id, "action": "cancel"},
        {"campaign_id": f.paused_id, "action": "resume"},
    ],
    "reports.campaign_report": lambda f: [{"campaign_id": f.sent_id}],
    "reports.message_detail": lambda f: [{"campaign_id": f.sent_id, "message_id": f.message_id}],
    "contacts.show": lambda f: [{"contact_id": f.contact_id}, {"contact_id": f.opted_out_contact_id}],
    "contacts.delete": lambda f: [{"contact_id": f.contact_id}],
    "contacts.opt_in": lambda f: [{"contact_id": f.opted_out_contact_id}],
    "contacts.remove_from_list": lambda f: [{"contact_id": f.contact_id, "list_id": f.list_id}],
    "contacts.cancel_import": lambda f: [{"import_id": f.uploaded_import_id}],
    "contacts.list_page": lambda f: [{"list_id": f.list_id}],
    "contacts.delete_list": lambda f: [{"list_id": f.list_id}],
    "contacts.show_import": lambda f: [{"import_id": f.import_id}],
    "contacts.map_import": lambda f: [{"import_id": f.uploaded_import_id}],
    "senders.delete": lambda f: [{"sender_id": f.sender_id}],
    # Activating asks nothing (it redirects to the list); deactivating asks first.
    "users.update_active": lambda f: [{"user_id": f.member_id, "action": "deactivate"}],
    "auth.reset_password": lambda f: [{"token": f.reset_token}],
}


def _is_page(rule: Rule) -> bool:
    return "GET" in rule.methods and rule.endpoint not in NOT_PAGES


def _paths_of(rule: Rule, furnished: Furnished) -> list[str]:
    if not rule.arguments:
        return [rule.rule]
    visits = RECORD_PAGES.get(rule.endpoint)
    if visits is None:
        return []
    return [rule.build(values, append_unknown=False)[1] for values in visits(furnished)]


def page_paths(app: Flask, furnished: Furnished) -> list[str]:
    """The path of every page: GET routes without arguments, and each page of one record."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if _is_page(rule):
            paths.update(_paths_of(rule, furnished))
    return sorted(paths)


def unchecked_rules(app: Flask, furnished: Furnished) -> list[str]:
    """URL rules that are pages no visit opens: each needs records in RECORD_PAGES or a NOT_PAGES reason."""
    return sorted(
        f"{rule.endpoint} {rule.rule}"
        for rule in app.url_map.iter_rules()
        if _is_page(rule) and not _paths_of(rule, furnished)
    )


@pytest.fixture
def furnished(app, account, simulator) -> Furnished:
    """The account connected to the simulator (test mode), with a record of every kind."""
    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=2.0)
    account_id = account.account_id
    with in_account(app, account_id):
        admin = db.session.get(User, account.admin_id)
        connect_token(account_id, admin, "pl", simulator.token)
        sender = SenderName(account_id=account_id, name="ARETONET", status="active")
        waiting = SenderName(account_id=account_id, name="WAITING")
        customers = ContactList(account_id=account_id, name="Customers in Warszawa, Kraków and Gdańsk")
        db.session.add_all([sender, waiting, customers])
        db.session.flush()
        done = _upload(account_id, admin.id)
        done.targets = guess_targets(importer.preview(done)[0])
        done.list_id = customers.id
        done.status = ImportStatus.QUEUED.value
        uploaded = _upload(account_id, admin.id)
        away = add_user(account_id, admin, "former.colleague.with.a.long.name@areto-net.example",
                        Role.MEMBER, PASSWORD)
        set_active(away, False, admin)
        reset_token = make_reset_token(db.session.get(User, account.member_id))
        db.session.commit()
        ids = {"list": customers.id, "sender": sender.id, "waiting": waiting.id, "import": done.id,
               "uploaded": uploaded.id}
        import_contacts(account_id, done.id)
    with in_account(app, account_id):
        admin = db.session.get(User, account.admin_id)
        contacts = db.session.execute(db.select(Contact.id, Contact.phone).order_by(Contact.id)).all()
        record_opt_out(account_id, contacts[-1].phone, "Replied STOP")
        ids["draft"] = _draft(account_id, account.admin_id, ids["list"],
                              "Spring sale for every customer in Warszawa and Kraków", ids["sender"])
        for name in ("sent", "sending", "paused"):
            ids[name] = _draft(account_id, account.member_id, ids["list"], f"{name.capitalize()} campaign")
        db.session.commit()
        for name in ("sent", "sending", "paused"):
            launch_campaign(ids[name], admin)
        pause_campaign(ids["paused"], admin)
        db.session.commit()
        # What the send jobs do, here in the fixture's own process.
        while send_chunk(account_id, ids["sent"], test_sends=False):
            pass
        finish_if_done(ids["sent"])
        simulate_test_mode_reports(account_id, delay_seconds=0, undelivered_share=0.5)
        db.session.commit()
        secret = settings_for(account_id).callback_secret
        message_id = db.session.scalar(db.select(Message.id).where(Message.campaign_id == ids["sent"])
                                       .order_by(Message.id))
    # A report SMSAPI sends for a message this account does not know, as admins then see it.
    app.test_client().get(CALLBACK_PATH, query_string={"account": account_id, "secret": secret,
                                                       "MsgId": "6F1C2D3E4A5B6C7D8E9F0A1B", "status": "404"})
    return Furnished(
        account_id, account.admin_email, account.member_email, ids["draft"], ids["sent"], message_id,
        ids["sending"], ids["paused"], contacts[0].id, contacts[-1].id, ids["list"], ids["import"],
        ids["uploaded"], ids["waiting"], account.member_id, reset_token,
    )


def _upload(account_id: int, by_user_id: int):
    return importer.store_upload(account_id, by_user_id, "customers-2025.csv", io.BytesIO(CUSTOMERS_CSV),
                                 len(CUSTOMERS_CSV))


def _draft(account_id: int, by_user_id: int, list_id: int, name: str, sender_id: int | None = None) -> int:
    campaign = Campaign(
        account_id=account_id, name=name, sender_name_id=sender_id, created_by_id=by_user_id,
        message="Hi {first_name|there}, spring sale: 20% off everything until Sunday. Reply STOP to opt out.",
    )
    campaign.lists.append(CampaignList(account_id=account_id, list_id=list_id))
    db.session.add(campaign)
    db.session.flush()
    return campaign.id
