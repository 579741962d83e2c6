"""What SMSAPI publishes and the simulator plays by: its hosts and its delivery statuses.

Written down here from SMSAPI.md (§1.1 hosts, §3.5 statuses), not imported from the portal, so that
the simulator stays an independent judge of the portal's SMSAPI code.
"""

from __future__ import annotations

from dataclasses import dataclass

# Host -> (service, is backup). smsapi.io has no backup host (SMSAPI.md §1.1).
HOSTS: dict[str, tuple[str, bool]] = {
    "api.smsapi.pl": ("pl", False),
    "api2.smsapi.pl": ("pl", True),
    "api.smsapi.com": ("com", False),
    "api2.smsapi.com": ("com", True),
    "smsapi.io": ("io", False),
}
SERVICES = ("com", "io", "pl")

# Error 19's limit: an old table says 100 recipients per request (SMSAPI.md §1.4, UNCONFIRMED).
MAX_RECIPIENTS = 100


@dataclass(frozen=True)
class Status:
    """One delivery status of SMSAPI's callbacks; `final` ones are never followed by another."""

    code: int
    name: str
    final: bool


STATUSES: dict[int, Status] = {
    status.code: status
    for status in (
        Status(401, "NOT_FOUND", True),
        Status(402, "EXPIRED", True),
        Status(403, "SENT", False),
        Status(404, "DELIVERED", True),
        Status(405, "UNDELIVERED", True),
        Status(406, "FAILED", True),
        Status(407, "REJECTED", True),
        Status(408, "UNKNOWN", True),
        Status(409, "QUEUE", False),
        Status(410, "ACCEPTED", False),
        Status(411, "RENEWAL", False),
        Status(412, "STOP", True),
    )
}
STATUS_CODES_BY_NAME = {status.name: status.code for status in STATUSES.values()}
