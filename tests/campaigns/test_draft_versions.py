"""Two people editing one draft: a stale save is refused with the newer text shown and nothing typed
lost; saves that race are caught by the UPDATE itself; every edit is in the audit trail."""

import re
import threading

from sqlalchemy import select

from portal.campaigns.service import StaleDraft, save_campaign
from portal.extensions import db
from portal.models import AuditEvent, Campaign, User
from tests.campaigns.conftest import stored_campaign
from tests.conftest import PASSWORD, in_account


def _version_in(page: str) -> str:
    return re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)


def _save(client, campaign_id, version, message):
    return client.post(f"/campaigns/{campaign_id}", data={
        "name": "Spring sale", "sender": "", "message": message, "version": version, "action": "save"})


def test_a_stale_save_is_refused_showing_the_newer_text_and_keeping_mine(app, account, make_campaign):
    campaign_id = make_campaign(account.account_id, message="First text")
    alice, bob = app.test_client(), app.test_client()
    alice.post("/login", data={"email": account.admin_email, "password": PASSWORD})
    bob.post("/login", data={"email": account.member_email, "password": PASSWORD})
    alice_version = _version_in(alice.get(f"/campaigns/{campaign_id}").data.decode())
    bob_version = _version_in(bob.get(f"/campaigns/{campaign_id}").data.decode())

    assert _save(alice, campaign_id, alice_version, "Alice's text").status_code == 302
    refused = _save(bob, campaign_id, bob_version, "Bob's text")
    assert refused.status_code == 422
    page = refused.data.decode().replace("&#39;", "'")
    assert "Someone else saved this draft while you were editing it." in page
    assert "“Alice's text”" in page
    assert "Bob's text</textarea>" in page
    assert stored_campaign(app, campaign_id).message == "Alice's text"

    assert _save(bob, campaign_id, _version_in(page), "Bob's text").status_code == 302
    assert stored_campaign(app, campaign_id).message == "Bob's text"


def test_saves_that_race_from_the_same_version_cannot_both_win(app, account, make_campaign):
    campaign_id = make_campaign(account.account_id, message="Start")
    start, outcomes = threading.Barrier(2), []

    def save(text):
        with in_account(app, account.account_id):
            campaign = db.session.get(Campaign, campaign_id)
            user = db.session.get(User, account.admin_id)
            version = campaign.version
            start.wait()
            try:
                save_campaign(campaign, account_id=account.account_id, by=user, name="Race",
                              sender_name_id=None, message=text, max_parts=6, version=version)
                db.session.commit()
                outcomes.append("saved")
            except StaleDraft:
                db.session.rollback()
                outcomes.append("stale")

    threads = [threading.Thread(target=save, args=(text,)) for text in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "stale"]


def test_draft_edits_are_audited(app, admin_client, account, make_campaign):
    campaign_id = make_campaign(account.account_id, message="Before")
    version = _version_in(admin_client.get(f"/campaigns/{campaign_id}").data.decode())
    _save(admin_client, campaign_id, version, "After")
    with in_account(app, account.account_id):
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.edited")).one()
    assert event.details["campaign_id"] == campaign_id


def test_a_change_of_lists_alone_is_an_audited_edit(app, admin_client, account, make_campaign, make_list):
    campaign_id = make_campaign(account.account_id, message="Same text")
    list_id = make_list(account.account_id, "Customers", [("+48600100200", "Anna", "", {})])
    version = _version_in(admin_client.get(f"/campaigns/{campaign_id}").data.decode())
    saved = admin_client.post(f"/campaigns/{campaign_id}", data={
        "name": "Spring sale", "sender": "", "message": "Same text", "version": version,
        "list_ids": [str(list_id)], "action": "save"})
    assert saved.status_code == 302
    with in_account(app, account.account_id):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "campaign.edited")).all()
    assert len(events) == 1
