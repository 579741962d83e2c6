"""The campaign lifecycle in one place: which status may follow which, and the audit of every move.

draft -> scheduled -> sending <-> paused -> finished | cancelled. Every status change of a campaign
goes through `transition`, so the rules cannot differ between a view, a job and the reconciler.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import record_event
from portal.extensions import db
from portal.models import AuditEvent, Campaign, CampaignStatus, User, utcnow

S = CampaignStatus

#: Allowed moves. A scheduled campaign can go back to draft (unscheduled, to edit it again).
TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    S.DRAFT: frozenset({S.SCHEDULED, S.SENDING, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.DRAFT, S.SENDING, S.CANCELLED}),
    S.SENDING: frozenset({S.PAUSED, S.FINISHED, S.CANCELLED}),
    S.PAUSED: frozenset({S.SENDING, S.FINISHED, S.CANCELLED}),
    S.FINISHED: frozenset(),
    S.CANCELLED: frozenset(),
}

#: Audit actions, one per target status ("campaign.launched" when sending starts from draft/scheduled).
_ACTIONS = {
    S.DRAFT: "campaign.unscheduled",
    S.SCHEDULED: "campaign.scheduled",
    S.PAUSED: "campaign.paused",
    S.FINISHED: "campaign.finished",
    S.CANCELLED: "campaign.cancelled",
}
_VERBS = {
    "campaign.unscheduled": "unscheduled",
    "campaign.scheduled": "scheduled",
    "campaign.launched": "launched",
    "campaign.resumed": "resumed",
    "campaign.paused": "paused",
    "campaign.finished": "finished",
    "campaign.cancelled": "cancelled",
}

#: The action of a pause the pipeline made by itself (SMSAPI refused to send): a notice for admins.
SELF_PAUSE_ACTION = "campaign.paused"


class TransitionRefused(Exception):
    """A status change the lifecycle does not allow; the message says why in plain words."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def can_transition(campaign: Campaign, new_status: CampaignStatus | str) -> bool:
    """Whether `campaign` may move to `new_status` now (for showing or hiding buttons)."""
    return S(new_status) in TRANSITIONS[S(campaign.status)]


def transition(
    campaign: Campaign, new_status: CampaignStatus | str, by: User | None, reason: str | None = None
) -> Campaign:
    """Move `campaign` to `new_status` and audit it; TransitionRefused when the table forbids it.

    `by` None means the portal did it (the scheduler, a send job); `reason` is shown on the
    campaign's page for a pause and kept in the audit trail. Flushes; the caller commits.
    """
    current, target = S(campaign.status), S(new_status)
    if target not in TRANSITIONS[current]:
        raise TransitionRefused(_refusal(campaign, current, target))
    action = _action(current, target)
    now = utcnow()
    campaign.status = target.value
    campaign.status_changed_at = now
    campaign.paused_reason = reason if target is S.PAUSED else None
    if target is S.SENDING and campaign.launched_at is None:
        campaign.launched_at = now
    if target in (S.FINISHED, S.CANCELLED):
        campaign.finished_at = now
    if target is S.DRAFT:
        campaign.scheduled_at = None
    who = by.email if by is not None else "The portal"
    summary = f"{who} {_VERBS[action]} campaign “{campaign.name}”"
    if reason:
        summary = f"{summary}: {reason}"
    details = {"campaign_id": campaign.id, "from": current.value, "to": target.value}
    if reason:
        details["reason"] = reason
    record_event(campaign.account_id, by, action, summary[:500], **details)
    db.session.flush()
    return campaign


def _action(current: CampaignStatus, target: CampaignStatus) -> str:
    if target is S.SENDING:
        return "campaign.resumed" if current is S.PAUSED else "campaign.launched"
    return _ACTIONS[target]


def _refusal(campaign: Campaign, current: CampaignStatus, target: CampaignStatus) -> str:
    if current in (S.FINISHED, S.CANCELLED):
        return f"“{campaign.name}” is {current.value}: it cannot be changed any more."
    if current is target:
        return f"“{campaign.name}” is already {current.value}."
    wanted = {
        S.SCHEDULED: "scheduled",
        S.SENDING: "sent",
        S.PAUSED: "paused",
        S.FINISHED: "finished",
        S.CANCELLED: "cancelled",
        S.DRAFT: "turned back into a draft",
    }[target]
    return f"“{campaign.name}” is {current.value}, so it cannot be {wanted} now."


def pause_notices(account_id: int, since, *, limit: int = 20) -> list[AuditEvent]:
    """Pauses the portal made by itself (no user) after `since`: what admins are told about."""
    query = (
        select(AuditEvent)
        .where(
            AuditEvent.account_id == account_id,
            AuditEvent.action == SELF_PAUSE_ACTION,
            AuditEvent.user_id.is_(None),
            AuditEvent.created_at > since,
        )
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(db.session.scalars(query))
