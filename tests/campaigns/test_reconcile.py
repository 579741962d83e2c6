"""The reconciler: due schedules start from the database, expired leases go back to the queue,
and campaigns left without a job get one."""

from datetime import timedelta

from sqlalchemy import update

from portal.campaigns.dispatch import claim_chunk, release_expired_leases
from portal.campaigns.launch import launch_campaign
from portal.campaigns.reconcile import reconcile, start_due_campaigns
from portal.extensions import db
from portal.models import Campaign, Message, utcnow
from portal.queue import get_queue
from portal.tenancy import account_scope
from tests.plugins.pipeline import make_ready_campaign, statuses


def test_a_due_scheduled_campaign_is_started_from_the_database(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=3)
        with account_scope(connected.account_id):
            launch_campaign(campaign_id, None, send_at=utcnow() + timedelta(hours=1))
            db.session.commit()
        assert start_due_campaigns() == []
        db.session.execute(update(Campaign).values(scheduled_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        assert start_due_campaigns() == [campaign_id]
        assert db.session.get(Campaign, campaign_id).status == "sending"
        assert statuses(campaign_id) == {"queued": 3}


def _with_expired_leases(app, connected, *, recipients: int, claim: int, expire: int) -> int:
    """A launched campaign with `claim` messages claimed, the first `expire` of them past their lease."""
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=recipients)
        launch_campaign(campaign_id, None)
        db.session.commit()
        claimed = claim_chunk(connected.account_id, campaign_id, size=claim)
        db.session.execute(
            update(Message)
            .where(Message.id.in_([each.id for each in claimed[:expire]]))
            .values(leased_until=utcnow() - timedelta(seconds=1))
        )
        db.session.commit()
    return campaign_id


def test_an_expired_lease_goes_back_to_queued_and_a_live_one_stays(app, connected):
    campaign_id = _with_expired_leases(app, connected, recipients=3, claim=2, expire=1)
    with app.app_context():  # as the reconciler job runs: no account of its own
        assert release_expired_leases() == [(connected.account_id, campaign_id)]
        db.session.commit()
    with app.app_context(), account_scope(connected.account_id):
        assert statuses(campaign_id) == {"queued": 2, "sending": 1}


def test_the_reconciler_job_releases_expired_leases_with_no_account_of_its_own(app, connected):
    campaign_id = _with_expired_leases(app, connected, recipients=2, claim=2, expire=2)
    with app.app_context():
        outcome = reconcile()
    assert outcome.released == 1  # one campaign
    with app.app_context(), account_scope(connected.account_id):
        assert statuses(campaign_id) == {"queued": 2}


def test_a_sending_campaign_without_a_job_is_enqueued_again(app, connected):
    with app.app_context(), account_scope(connected.account_id):
        campaign_id = make_ready_campaign(connected, recipients=3)
        with account_scope(connected.account_id):
            launch_campaign(campaign_id, None)  # committed, but start_sending never called (Redis was down)
            db.session.commit()
        reconcile()
        jobs = get_queue("bulk").get_job_ids()
        reconcile()  # a second pass finds the chains alive and adds nothing
        assert len(jobs) == app.config["SEND_JOBS_PER_CAMPAIGN"]
        assert get_queue("bulk").get_job_ids() == jobs
        assert all(job.startswith(f"send-{campaign_id}-") for job in jobs)
