"""The sender-names page: admins manage, members see the active names only."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import Campaign, SenderName
from tests.conftest import in_account


def test_members_cannot_add_check_choose_or_delete(member_client, connected):
    assert member_client.post("/senders/", data={"name": "ARETONET"}).status_code == 403
    assert member_client.post("/senders/check").status_code == 403
    assert member_client.post("/senders/1/default").status_code == 403
    assert member_client.post("/senders/1/delete").status_code == 403


def test_members_see_only_active_names_and_no_form(app, member_client, connected):
    with in_account(app, connected.account_id):
        db.session.add_all([SenderName(account_id=connected.account_id, name="LIVE", status="active"),
                            SenderName(account_id=connected.account_id, name="WAITING")])
        db.session.commit()
    page = member_client.get("/senders/").data.decode()
    assert "LIVE" in page and "WAITING" not in page
    assert "Register with SMSAPI" not in page


def test_admin_adds_a_name_without_javascript(app, admin_client, connected):
    response = admin_client.post("/senders/", data={"name": " ARETONET "}, follow_redirects=True)
    page = response.data.decode()
    assert "ARETONET was sent to SMSAPI for approval" in page
    assert 'badge-pending">Pending' in page


def test_invalid_name_comes_back_with_its_error(admin_client, connected, simulator):
    response = admin_client.post("/senders/", data={"name": "Areto Net"})
    assert response.status_code == 422
    assert "Leave out spaces" in response.data.decode()
    assert "Areto Net" not in [item["sender"] for item in simulator.state()["accounts"][0]["sender_names"]]


def test_check_now_answers_htmx_with_the_list(admin_client, connected, simulator):
    admin_client.post("/senders/", data={"name": "ARETONET"})
    simulator.decide_sender_name("ARETONET")
    response = admin_client.post("/senders/check", headers={"HX-Request": "true"})
    page = response.data.decode()
    assert page.lstrip().startswith('<section id="names"')
    assert 'badge-active">Active' in page
    assert "ARETONET is now active (was pending)" in page
    assert "Test was found in your SMSAPI account and imported" in page


def test_default_and_delete_from_the_list(app, admin_client, connected, simulator):
    admin_client.post("/senders/", data={"name": "ARETONET"})
    simulator.decide_sender_name("ARETONET")
    admin_client.post("/senders/check")
    with in_account(app, connected.account_id):
        sender_id = db.session.scalar(select(SenderName.id).filter_by(name="ARETONET"))
    page = admin_client.post(f"/senders/{sender_id}/default", follow_redirects=True).data.decode()
    assert "ARETONET is now the default sender" in page
    page = admin_client.post(f"/senders/{sender_id}/delete", follow_redirects=True).data.decode()
    assert "choose another default first" in page


def test_approval_notice_shows_once_until_dismissed(admin_client, connected, simulator):
    admin_client.post("/senders/", data={"name": "ARETONET"})
    simulator.decide_sender_name("ARETONET")
    admin_client.post("/senders/check")
    assert "SMSAPI approved the sender name" in admin_client.get("/campaigns/").data.decode()
    admin_client.post("/senders/notices/dismiss")
    assert "SMSAPI approved the sender name" not in admin_client.get("/campaigns/").data.decode()


def test_default_sender_chosen_in_settings_uses_the_same_rule(app, admin_client, connected, simulator):
    admin_client.post("/senders/", data={"name": "ARETONET"})
    with in_account(app, connected.account_id):
        sender_id = db.session.scalar(select(SenderName.id).filter_by(name="ARETONET"))
    page = admin_client.post("/settings/default-sender", data={"sender": str(sender_id)},
                             follow_redirects=True).data.decode()
    assert "Choose a default sender from the list" in page  # pending names are not offered
    simulator.decide_sender_name("ARETONET")
    admin_client.post("/senders/check")
    page = admin_client.post("/settings/default-sender", data={"sender": str(sender_id)},
                             follow_redirects=True).data.decode()
    assert "Default sender saved." in page
    assert "made ARETONET the default sender" in page


def test_deleting_a_name_drafts_use_names_them_and_what_they_send_with_instead(
    app, admin_client, connected, simulator
):
    admin_client.post("/senders/", data={"name": "ARETONET"})
    simulator.decide_sender_name("ARETONET")
    admin_client.post("/senders/check")
    with in_account(app, connected.account_id):
        sender = db.session.scalar(select(SenderName).filter_by(name="ARETONET"))
        for name in ("Spring sale", "Winter sale"):
            db.session.add(Campaign(account_id=connected.account_id, name=name, message="Hi",
                                    sender_name_id=sender.id))
        db.session.add(Campaign(account_id=connected.account_id, name="Plain", message="Hi"))
        db.session.commit()
        sender_id = sender.id
    page = admin_client.get("/senders/").data.decode()
    assert "Used by the drafts <strong>Spring sale</strong>, <strong>Winter sale</strong>." in page
    assert "If you delete it, they send from SMSAPI&#39;s account default instead." in page
    assert "2 drafts (Spring sale, Winter sale) will send from SMSAPI&#39;s account default instead." in page
    page = admin_client.post(f"/senders/{sender_id}/delete", follow_redirects=True).data.decode()
    assert ("ARETONET was deleted. The drafts “Spring sale”, “Winter sale” now send from "
            "SMSAPI&#39;s account default instead.") in page
    with in_account(app, connected.account_id):
        assert db.session.scalars(select(Campaign.sender_name_id)).all() == [None, None, None]
