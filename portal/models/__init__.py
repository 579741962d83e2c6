"""The portal's SQLAlchemy models, one module per area, all importable from here."""

from portal.models.accounts import Account, Role, User
from portal.models.audit import AuditEvent
from portal.models.base import AccountScoped, UTCDateTime, utcnow

__all__ = ["Account", "AccountScoped", "AuditEvent", "Role", "UTCDateTime", "User", "utcnow"]
