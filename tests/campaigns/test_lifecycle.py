"""The lifecycle table: allowed moves change the status and are audited; others are refused."""

import pytest
from sqlalchemy import select

from portal.campaigns.lifecycle import TRANSITIONS, TransitionRefused, can_transition, transition
from portal.extensions import db
from portal.models import AuditEvent, Campaign, CampaignStatus, User
from portal.tenancy import account_scope


def _campaign(app, account, make_campaign):
    campaign_id = make_campaign(account.account_id)
    return db.session.get(Campaign, campaign_id)


def test_every_status_has_a_row_and_finals_lead_nowhere():
    assert set(TRANSITIONS) == set(CampaignStatus)
    assert TRANSITIONS[CampaignStatus.FINISHED] == frozenset()
    assert TRANSITIONS[CampaignStatus.CANCELLED] == frozenset()


def test_launch_pause_resume_finish_are_audited_with_who_and_why(app, account, make_campaign):
    with app.app_context(), account_scope(account.account_id):
        campaign = _campaign(app, account, make_campaign)
        admin = db.session.get(User, account.admin_id)
        transition(campaign, "sending", admin)
        assert campaign.launched_at is not None
        transition(campaign, CampaignStatus.PAUSED, None, "SMSAPI has no points left")
        assert campaign.paused_reason == "SMSAPI has no points left"
        transition(campaign, CampaignStatus.SENDING, admin)
        assert campaign.paused_reason is None
        transition(campaign, CampaignStatus.FINISHED, None)
        assert campaign.finished_at is not None
        db.session.commit()
        events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.startswith("campaign.")).order_by(AuditEvent.id)
        ).all()
    actions = [e.action for e in events]
    assert actions == ["campaign.launched", "campaign.paused", "campaign.resumed", "campaign.finished"]
    assert events[1].user_id is None and events[1].details["reason"] == "SMSAPI has no points left"
    assert events[0].user_id == account.admin_id


@pytest.mark.parametrize(
    ("path", "refused"),
    [
        ([], "paused"),
        (["sending", "finished"], "sending"),
        (["cancelled"], "sending"),
        (["sending"], "scheduled"),
    ],
)
def test_moves_outside_the_table_are_refused_and_change_nothing(app, account, make_campaign, path, refused):
    with app.app_context(), account_scope(account.account_id):
        campaign = _campaign(app, account, make_campaign)
        for status in path:
            transition(campaign, status, None)
        before = campaign.status
        assert not can_transition(campaign, refused)
        with pytest.raises(TransitionRefused) as error:
            transition(campaign, refused, None)
        assert campaign.status == before
        assert "Spring sale" in error.value.message
