"""Launching: checks in plain words, one INSERT ... SELECT of queued messages, schedules, cancel."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from portal.campaigns import preflight as preflight_module
from portal.campaigns.launch import (
    LaunchRefused,
    cancel_campaign,
    launch_campaign,
    pause_campaign,
    resume_campaign,
    send_test,
)
from portal.campaigns.preflight import PRICE_FROM_HISTORY, PRICE_FROM_TEST_CALL, preflight
from portal.extensions import db
from portal.models import Campaign, Contact, Message, OptOut, User, utcnow
from portal.tenancy import account_scope
from tests.messages import sent_campaign
from tests.plugins.pipeline import make_ready_campaign, phone, statuses


def _admin(setup):
    return db.session.get(User, setup.admin_id)


def test_launch_materialises_one_queued_message_per_recipient_minus_opted_out(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=4)
        db.session.add(OptOut(account_id=connected.account_id, phone="+48600000001"))
        db.session.commit()
        campaign = launch_campaign(campaign_id, _admin(connected))
        db.session.commit()
        assert campaign.status == "sending" and campaign.launched_at is not None
        assert statuses(campaign_id) == {"queued": 3}
        phones = db.session.scalars(select(Message.phone).where(Message.campaign_id == campaign_id)).all()
    assert "+48600000001" not in phones


def test_a_campaign_only_to_contacts_who_gave_consent_sends_to_them_alone(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=4)
        agreed = [phone(1), phone(3)]
        db.session.execute(update(Contact).where(Contact.phone.in_(agreed)).values(consent_at=utcnow()))
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(consent_only=True))
        db.session.add(OptOut(account_id=connected.account_id, phone=phone(3)))  # consent, then STOP
        db.session.commit()
        check = preflight(db.session.get(Campaign, campaign_id))
        launch_campaign(campaign_id, _admin(connected))
        db.session.commit()
        phones = db.session.scalars(select(Message.phone).where(Message.campaign_id == campaign_id)).all()
    assert check.recipients == 1
    assert phones == [phone(1)]


def test_a_campaign_only_to_contacts_who_gave_consent_is_refused_when_none_did(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=2)
        db.session.execute(update(Campaign).where(Campaign.id == campaign_id).values(consent_only=True))
        db.session.commit()
        with pytest.raises(LaunchRefused) as refused:
            launch_campaign(campaign_id, _admin(connected))
        db.session.rollback()
        assert statuses(campaign_id) == {}
    assert refused.value.problems == [
        "Nobody to send to: no contact on the chosen lists has given consent without opting out since."
    ]


def test_launch_in_the_future_is_scheduled_and_makes_no_messages(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected)
        local = datetime.now() + timedelta(days=1)  # naive: read in the account's time zone
        campaign = launch_campaign(campaign_id, _admin(connected), send_at=local)
        db.session.commit()
        assert campaign.status == "scheduled"
        assert campaign.scheduled_at > datetime.now(UTC)
        assert statuses(campaign_id) == {}


def test_launch_refuses_with_every_problem_in_plain_words(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign = Campaign(account_id=connected.account_id, name="Empty", message="Hi {nickname}")
        db.session.add(campaign)
        db.session.commit()
        with pytest.raises(LaunchRefused) as refused:
            launch_campaign(campaign.id, _admin(connected))
        assert refused.value.problems == ["Choose at least one contact list to send to."]
        db.session.rollback()
        campaign_id = make_ready_campaign(connected, message="Hi {nickname}")
        with pytest.raises(LaunchRefused) as refused:
            launch_campaign(campaign_id, _admin(connected))
        assert "{nickname}" in refused.value.problems[0]
        db.session.rollback()
        assert statuses(campaign_id) == {}


def test_launch_is_refused_while_the_balance_is_short_with_the_numbers(app, connected, simulator):
    simulator.update_account(points="0.20")
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=3)
        check = preflight(db.session.get(Campaign, campaign_id))
        assert (check.recipients, check.parts_per_recipient, check.total_parts) == (3, 1, 3)
        assert check.price_source == PRICE_FROM_TEST_CALL
        assert check.short_by == check.points_needed - check.balance > 0
        with pytest.raises(LaunchRefused) as refused:
            launch_campaign(campaign_id, _admin(connected))
        assert "needs 0.48 points (3 SMS at 0.16 points each)" in refused.value.problems[0]
        assert "has 0.20. Top up at least 0.28 points" in refused.value.problems[0]


def test_preflight_shows_the_worst_case_and_warns_when_names_cross_a_boundary(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, message="x" * 150 + " {first_name}", recipients=2)
        contact = db.session.scalar(select(db.Model.metadata.tables["contact"].c.id).limit(1))
        db.session.execute(
            db.Model.metadata.tables["contact"]
            .update()
            .where(db.Model.metadata.tables["contact"].c.id == contact)
            .values(first_name="Żaneta")
        )
        db.session.commit()
        check = preflight(db.session.get(Campaign, campaign_id))
    assert check.parts_per_recipient == 3
    assert check.total_parts == 1 + 3  # 156 standard characters fit one SMS; 157 in Unicode take 3
    assert any("Unicode" in w for w in check.warnings)
    assert any("longer" in w for w in check.warnings)


def test_cancel_marks_what_was_not_sent_as_cancelled(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected)
        launch_campaign(campaign_id, _admin(connected))
        pause_campaign(campaign_id, _admin(connected))
        resume_campaign(campaign_id, _admin(connected))
        cancel_campaign(campaign_id, _admin(connected))
        db.session.commit()
        assert statuses(campaign_id) == {"cancelled": 3}
        assert db.session.get(Campaign, campaign_id).status == "cancelled"


def test_a_draft_cannot_be_resumed_into_sending_past_the_launch_checks(app, connected):
    from portal.campaigns.lifecycle import TransitionRefused

    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected)
        with pytest.raises(TransitionRefused, match="not paused"):
            resume_campaign(campaign_id, _admin(connected))
        assert db.session.get(Campaign, campaign_id).status == "draft"
        assert statuses(campaign_id) == {}


def test_test_send_names_each_invalid_number_and_queues_valid_ones_marked_as_test(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected)
        with pytest.raises(LaunchRefused) as refused:
            send_test(campaign_id, ["600 100 200", "12"], _admin(connected))
        assert refused.value.problems == ["“12” is not a valid phone number."]
        messages = send_test(campaign_id, ["600 100 200", "+48 600 100 201"], _admin(connected))
        db.session.commit()
        assert [m.phone for m in messages] == ["+48600100200", "+48600100201"]
        assert all(m.is_test_send and m.status == "queued" for m in messages)


def test_the_price_per_part_is_what_smsapi_charged_for_the_accounts_latest_sends(app, connected, monkeypatch):
    # Sent an hour ago at 0.17 per part (made first, so their ids are the lower ones), two days ago
    # at 0.20, and test-mode sends, which SMSAPI does not charge for: the latest two sent count.
    charged = [("Resumed today", timedelta(hours=1), False, "0.34"),
               ("Last week", timedelta(days=2), False, "0.40"),
               ("Rehearsal", timedelta(minutes=5), True, "0")]
    for name, ago, test_mode, paid in charged:
        sent = sent_campaign(app, connected.account_id, 2, submitted_ago=ago, test_mode=test_mode, name=name)
        with app.app_context(), account_scope(connected.account_id):
            db.session.execute(update(Message).where(Message.id.in_(sent.message_ids))
                               .values(points=Decimal(paid), smsapi_parts=2))
            db.session.commit()
    monkeypatch.setattr(preflight_module, "RECENT_MESSAGES", 2)
    with app.app_context(), account_scope(connected.account_id):
        check = preflight(db.session.get(Campaign, make_ready_campaign(connected, recipients=3)))
    assert (check.price_source, check.price_per_part, check.points_needed) == (
        PRICE_FROM_HISTORY, Decimal("0.17"), Decimal("0.51"))
