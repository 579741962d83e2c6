"""What the campaign pages show once a draft is ready: the launch review and the live status.

Plain data for the templates; the numbers come from the pipeline's own functions (preflight,
progress), so the pages say what the launch and the send jobs will do.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select

from portal.campaigns.lifecycle import can_transition
from portal.campaigns.preflight import preflight
from portal.campaigns.progress import NOT_DONE, Progress, campaign_progress
from portal.campaigns.scheduling import local_time, zone_label
from portal.contacts.audience import audience_summary
from portal.extensions import db
from portal.models import STATUS_RANK, Account, Campaign, CampaignStatus, ContactList, Message

#: States whose progress still changes: the status fragment keeps polling while in one of them.
LIVE_STATES = frozenset({CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED})
TEST_MESSAGES_SHOWN = 10

#: Message states in the words of the progress counts.
STATUS_LABELS = {
    "queued": "Waiting",
    "sending": "Being sent",
    "submitted": "Handed to SMSAPI",
    "smsapi_queue": "Queued at SMSAPI",
    "sent": "Sent to the network",
    "accepted": "Accepted by the network",
    "delivered": "Delivered",
    "undelivered": "Not delivered",
    "expired": "Expired",
    "failed": "Failed",
    "rejected": "Rejected",
    "stopped": "Stopped",
    "unknown": "Status unknown",
    "cancelled": "Cancelled",
    "skipped": "Skipped (opted out)",
}


@dataclass(frozen=True)
class StateAction:
    """A button that moves a running campaign, with the words of its confirmation."""

    name: str
    label: str
    target: CampaignStatus
    question: str  # asked before, with {name}
    done: str  # said after, with {name}
    from_states: frozenset[CampaignStatus]  # a resume is not a launch: a draft cannot be "resumed"
    destructive: bool = False

    def allowed(self, campaign: Campaign) -> bool:
        return campaign.status in self.from_states and can_transition(campaign, self.target)

    def refusal(self, campaign: Campaign) -> str:
        states = " or ".join(sorted(self.from_states))
        return f"“{campaign.name}” is {campaign.status}: only a campaign that is {states} can be {self.past}."

    @property
    def past(self) -> str:
        return {"pause": "paused", "resume": "resumed", "cancel": "cancelled"}[self.name]


STATE_ACTIONS = {
    action.name: action
    for action in (
        StateAction(
            "pause",
            "Pause",
            CampaignStatus.PAUSED,
            "Pause “{name}”? Messages not yet handed to SMSAPI wait until you resume.",
            "“{name}” is paused.",
            frozenset({CampaignStatus.SENDING}),
        ),
        StateAction(
            "resume",
            "Resume",
            CampaignStatus.SENDING,
            "Resume “{name}”? The remaining messages are sent.",
            "“{name}” is sending again.",
            frozenset({CampaignStatus.PAUSED}),
        ),
        StateAction(
            "cancel",
            "Cancel campaign",
            CampaignStatus.CANCELLED,
            "Cancel “{name}” for good? Messages not yet handed to SMSAPI are never sent. "
            "This cannot be undone.",
            "“{name}” is cancelled: no more messages are sent.",
            frozenset({CampaignStatus.SCHEDULED, CampaignStatus.SENDING, CampaignStatus.PAUSED}),
            destructive=True,
        ),
    )
}


def _account_timezone(account_id: int) -> str:
    return db.session.scalar(select(Account.timezone).where(Account.id == account_id))


def list_names(campaign: Campaign) -> list[str]:
    """Names of the campaign's lists, in one query."""
    if not campaign.list_ids:
        return []
    return list(
        db.session.scalars(
            select(ContactList.name)
            .where(ContactList.account_id == campaign.account_id, ContactList.id.in_(campaign.list_ids))
            .order_by(ContactList.name)
        )
    )


def test_messages(campaign_id: int) -> list[Message]:
    """The campaign's latest test sends, newest first."""
    return list(
        db.session.scalars(
            select(Message)
            .where(Message.campaign_id == campaign_id, Message.is_test_send.is_(True))
            .order_by(Message.id.desc())
            .limit(TEST_MESSAGES_SHOWN)
        )
    )


def status_counts(progress: Progress) -> list[tuple[str, int]]:
    """(label, count) of each state the campaign's messages are in, in the order they move."""
    ordered = sorted(progress.counts.items(), key=lambda item: (STATUS_RANK.get(item[0], 99), item[0]))
    return [(STATUS_LABELS.get(status, status), count) for status, count in ordered if count]


def campaign_summary(campaign: Campaign) -> dict:
    """The template context of a launched campaign's page and of its live status fragment."""
    timezone = _account_timezone(campaign.account_id)
    progress = campaign_progress(campaign.id)
    actions = [action for action in STATE_ACTIONS.values() if action.allowed(campaign)]
    return {
        "campaign": campaign,
        "progress": progress,
        "counts": status_counts(progress),
        "live": campaign.status in LIVE_STATES,
        "actions": actions,
        "lists": list_names(campaign),
        "scheduled_for": local_time(campaign.scheduled_at, timezone),
        "zone": zone_label(timezone),
        "timezone": timezone,
    }


def launch_review(campaign: Campaign, *, test_form) -> dict:
    """The template context of the launch page: audience, cost against the balance, test sends."""
    timezone = _account_timezone(campaign.account_id)
    return {
        "campaign": campaign,
        "lists": list_names(campaign),
        "audience": audience_summary(campaign.account_id, campaign.list_ids,
                                     consent_only=campaign.consent_only),
        "chosen_lists": bool(campaign.list_ids),
        "cost": preflight(campaign),
        "test_form": test_form,
        "tests": test_messages(campaign.id),
        "zone": zone_label(timezone),
    }


def percent_done(account_id: int, campaigns: list[Campaign]) -> dict[int, int]:
    """Percent of each campaign's messages (tests left out) handed to SMSAPI or ended otherwise, as
    the campaign's own progress counts them. A finished campaign is done by definition (it finished
    when none was left to hand over, and none can be queued again), so only the others are counted,
    in one grouped query: the list costs no read of the messages of campaigns long sent."""
    done = {c.id: 100 for c in campaigns if c.status == CampaignStatus.FINISHED}
    counted = [c.id for c in campaigns if c.id not in done and c.status != CampaignStatus.DRAFT]
    if not counted:
        return done
    final = case((Message.status.in_(sorted(NOT_DONE)), 0), else_=1)
    rows = db.session.execute(
        select(Message.campaign_id, func.count(), func.sum(final))
        .where(
            Message.account_id == account_id,
            Message.campaign_id.in_(counted),
            Message.is_test_send.is_(False),
        )
        .group_by(Message.campaign_id)
    )
    return done | {campaign_id: int(100 * int(finished or 0) // total)
                   for campaign_id, total, finished in rows if total}
