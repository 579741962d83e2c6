"""The portal's SQLAlchemy models, one module per area, all importable from here."""

from portal.models.accounts import Account, Role, User
from portal.models.audit import AuditEvent
from portal.models.base import AccountScoped, BigId, UTCDateTime, utcnow
from portal.models.campaigns import Campaign, CampaignList, CampaignStatus
from portal.models.contacts import (
    Contact,
    ContactImport,
    ContactImportChunk,
    ContactImportRow,
    ContactList,
    ContactListMember,
    ImportStatus,
    OptOut,
)
from portal.models.messages import FINAL_STATUSES, STATUS_FOR_REPORT_CODE, STATUS_RANK, Message, MessageStatus
from portal.models.reports import DailyFigures, DeliveryReport
from portal.models.senders import EventSource, SenderName, SenderNameEvent, SenderStatus
from portal.models.sms_settings import SmsSettings

__all__ = [
    "Account",
    "AccountScoped",
    "AuditEvent",
    "BigId",
    "Campaign",
    "CampaignList",
    "CampaignStatus",
    "Contact",
    "ContactImport",
    "ContactImportChunk",
    "ContactImportRow",
    "ContactList",
    "ContactListMember",
    "DailyFigures",
    "DeliveryReport",
    "FINAL_STATUSES",
    "Message",
    "MessageStatus",
    "OptOut",
    "STATUS_FOR_REPORT_CODE",
    "STATUS_RANK",
    "EventSource",
    "ImportStatus",
    "Role",
    "SenderName",
    "SenderNameEvent",
    "SenderStatus",
    "SmsSettings",
    "UTCDateTime",
    "User",
    "utcnow",
]
