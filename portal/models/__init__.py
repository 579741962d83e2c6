"""The portal's SQLAlchemy models, one module per area, all importable from here."""

from portal.models.accounts import Account, Role, User
from portal.models.audit import AuditEvent
from portal.models.base import AccountScoped, UTCDateTime, utcnow
from portal.models.campaigns import Campaign, CampaignStatus
from portal.models.senders import EventSource, SenderName, SenderNameEvent, SenderStatus
from portal.models.sms_settings import SmsSettings

__all__ = [
    "Account",
    "AccountScoped",
    "AuditEvent",
    "Campaign",
    "CampaignStatus",
    "EventSource",
    "Role",
    "SenderName",
    "SenderNameEvent",
    "SenderStatus",
    "SmsSettings",
    "UTCDateTime",
    "User",
    "utcnow",
]
