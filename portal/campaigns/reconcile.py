"""The reconciler: what the database says must happen, made to happen, every few seconds.

It starts scheduled campaigns that are due (schedules live in the database, so losing Redis loses
none), gives messages whose lease ran out back to the queue, and restarts the send jobs of every
campaign that is sending (or has test sends queued) without a live job: Redis was down at launch,
a job was lost, a worker died.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from portal.campaigns import chains, dispatch
from portal.campaigns.launch import begin_sending
from portal.extensions import db
from portal.models import Campaign, CampaignStatus, utcnow
from portal.tenancy import account_scope

log = logging.getLogger(__name__)


@dataclass
class Reconciled:
    started: int = 0
    released: int = 0
    campaigns_checked: int = 0


def start_due_campaigns() -> list[int]:
    """Materialise and start every scheduled campaign whose time has come; commits each one."""
    due = db.session.execute(
        select(Campaign.account_id, Campaign.id)
        .where(Campaign.status == CampaignStatus.SCHEDULED, Campaign.scheduled_at <= utcnow())
        .execution_options(all_accounts=True)
    ).all()
    started = []
    for account_id, campaign_id in due:
        with account_scope(account_id):
            campaign = db.session.scalar(
                select(Campaign)
                .where(Campaign.id == campaign_id, Campaign.status == CampaignStatus.SCHEDULED)
                .with_for_update()
            )
            if campaign is None:
                continue
            begin_sending(campaign, None)
            db.session.commit()
            started.append(campaign_id)
    return started


def reconcile() -> Reconciled:
    """One pass: due schedules, expired leases, chains of every campaign still sending."""
    outcome = Reconciled()
    outcome.started = len(start_due_campaigns())
    outcome.released = len(dispatch.release_expired_leases())
    db.session.commit()
    sending = dispatch.outstanding_campaigns()
    tests = dispatch.queued_test_sends()
    for account_id, campaign_id in {*sending, *tests}:
        with account_scope(account_id):
            chains.start(campaign_id)
        outcome.campaigns_checked += 1
    db.session.commit()
    return outcome
