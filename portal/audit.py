"""Recording who changed what: one call per change, in the same transaction as the change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select

from portal.extensions import db
from portal.models import AuditEvent, User


def record_event(
    account_id: int, user: User | None, action: str, summary: str, **details: Any
) -> AuditEvent:
    """Add an audit entry to the session; the caller's commit makes it part of the change.

    `details` must never hold a secret (an SMSAPI token, a password).
    """
    event = AuditEvent(
        account_id=account_id,
        user_id=user.id if user is not None else None,
        action=action,
        summary=summary,
        details=details,
    )
    db.session.add(event)
    return event


def recent_events(
    account_id: int, *, prefix: str | tuple[str, ...] | None = None, limit: int = 50
) -> list[AuditEvent]:
    """The newest audit entries of an account, optionally only actions starting with `prefix` (or
    with any of several prefixes)."""
    query = select(AuditEvent).where(AuditEvent.account_id == account_id)
    if prefix:
        prefixes = (prefix,) if isinstance(prefix, str) else prefix
        query = query.where(or_(*(AuditEvent.action.startswith(p) for p in prefixes)))
    query = query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc()).limit(limit)
    return list(db.session.scalars(query))
