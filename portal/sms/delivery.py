"""SMSAPI's delivery reports (DLR): parsing a callback's parameters, and the status table 401-412.

A callback may carry several reports, every parameter then being a comma-separated list zipped by
position (SMSAPI.md §3.4). Statuses are mapped by numeric code first, names only as a fallback,
because third parties report misspelt names (§3.5); unknown codes are kept, never fatal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar

from portal.sms.results import from_timestamp, to_decimal

T = TypeVar("T")

# Parameter names as SMSAPI sends them (a logged real callback, SMSAPI.md §3.3); `MsgId` is case-sensitive.
REQUIRED_FIELDS = ("MsgId", "status")
OPTIONAL_FIELDS = (
    "status_name", "idx", "donedate", "sent_at", "to", "from", "username", "points", "mcc", "mnc",
)

# Ranks make status updates move forward only. In-flight statuses climb QUEUE < SENT < ACCEPTED/RENEWAL;
# finals outrank them all, and a definite final outranks an "unknown" final (a DELIVERED may still
# follow an UNKNOWN, never the reverse). Two finals of the same rank: the first one wins.
RANK_UNKNOWN_CODE = 0
RANK_QUEUE = 10
RANK_SENT = 20
RANK_ACCEPTED = 30
RANK_FINAL_UNKNOWN = 90
RANK_FINAL = 100


#: The largest numbers a report may carry: what the columns that store them hold (status codes and
#: operator codes are 32-bit integers, points have 8 digits before the decimal point). A report past
#: them is malformed (400, nothing applied), not a failure to store it (500, which SMSAPI would retry
#: for ever).
MAX_CODE = 2**31 - 1
MAX_POINTS = Decimal("99999999.9999")


class InvalidDeliveryReport(ValueError):
    """A callback that cannot be read; the message names the parameter at fault."""


@dataclass(frozen=True)
class DeliveryStatus:
    """One SMSAPI status: `success` is True/False for a known outcome, None while unknown or in flight."""

    code: int
    name: str
    final: bool
    success: bool | None
    rank: int


STATUSES: dict[int, DeliveryStatus] = {
    status.code: status
    for status in (
        DeliveryStatus(401, "NOT_FOUND", True, None, RANK_FINAL_UNKNOWN),
        DeliveryStatus(402, "EXPIRED", True, False, RANK_FINAL),
        DeliveryStatus(403, "SENT", False, None, RANK_SENT),
        DeliveryStatus(404, "DELIVERED", True, True, RANK_FINAL),
        DeliveryStatus(405, "UNDELIVERED", True, False, RANK_FINAL),
        DeliveryStatus(406, "FAILED", True, False, RANK_FINAL),
        DeliveryStatus(407, "REJECTED", True, False, RANK_FINAL),
        DeliveryStatus(408, "UNKNOWN", True, None, RANK_FINAL_UNKNOWN),
        DeliveryStatus(409, "QUEUE", False, None, RANK_QUEUE),
        # ACCEPTED: "accepted by the operator"; YETI and OCS count it as delivered, the official
        # clients as in flight. It stays in flight here so a later DELIVERED/UNDELIVERED still applies.
        DeliveryStatus(410, "ACCEPTED", False, None, RANK_ACCEPTED),
        DeliveryStatus(411, "RENEWAL", False, None, RANK_ACCEPTED),
        DeliveryStatus(412, "STOP", True, False, RANK_FINAL),
    )
}
_BY_NAME = {status.name: status for status in STATUSES.values()}


def status_for(code: int, name: str | None = None) -> DeliveryStatus:
    """The status for a code (the name only helps when the code is unknown); never raises."""
    if code in STATUSES:
        return STATUSES[code]
    known = _BY_NAME.get((name or "").upper())
    if known is not None:
        return DeliveryStatus(code, known.name, known.final, known.success, known.rank)
    return DeliveryStatus(code, name or f"STATUS_{code}", False, None, RANK_UNKNOWN_CODE)


def moves_forward(current_code: int | None, new_code: int, new_name: str | None = None) -> bool:
    """Whether a report with `new_code` should replace the stored status (the same report twice: no)."""
    if current_code is None:
        return True
    return status_for(new_code, new_name).rank > status_for(current_code).rank


@dataclass(frozen=True)
class DeliveryReport:
    """One message's report; `sender` is SMSAPI's `from`."""

    msg_id: str
    status: int
    status_name: str | None
    idx: str | None
    donedate: datetime | None
    sent_at: datetime | None
    to: str | None
    sender: str | None
    username: str | None
    points: Decimal | None
    mcc: int | None
    mnc: int | None

    @property
    def state(self) -> DeliveryStatus:
        """This report's entry in the status table."""
        return status_for(self.status, self.status_name)


def parse_delivery_reports(params: Mapping[str, str]) -> list[DeliveryReport]:
    """Every report in one callback's parameters (query string or form, flattened to one value per name).

    A parameter sent entirely empty (e.g. `idx=` when no message had one) counts as absent for all.
    A NUL character anywhere makes the callback unreadable: no database stores one in text.
    """
    for name, value in params.items():
        if "\x00" in name or "\x00" in value:
            raise InvalidDeliveryReport(f"the parameter {name.replace(chr(0), '?')!r} holds a NUL character")
    columns = {name: _split(params, name) for name in REQUIRED_FIELDS + OPTIONAL_FIELDS}
    for name in REQUIRED_FIELDS:
        if columns[name] is None:
            raise InvalidDeliveryReport(f"the parameter {name!r} is missing")
    count = len(columns["MsgId"] or [])
    for name, values in columns.items():
        if values is not None and len(values) != count:
            raise InvalidDeliveryReport(f"{name!r} has {len(values)} values for {count} MsgId values")
    return [_report({name: values[i] if values else "" for name, values in columns.items()}, i)
            for i in range(count)]


def parameters_of_each_report(params: Mapping[str, str], count: int) -> list[dict[str, str]]:
    """Each report's own parameters as sent: position i of every list (a value that is not a list of
    `count` items belongs to every report)."""
    split = {name: value.split(",") for name, value in params.items()}
    return [
        {name: values[i] if len(values) == count else params[name] for name, values in split.items()}
        for i in range(count)
    ]


def _split(params: Mapping[str, str], name: str) -> list[str] | None:
    raw = params.get(name)
    if raw is None or raw.strip() == "":
        return None
    return [value.strip() for value in raw.split(",")]


def _report(row: Mapping[str, str], position: int) -> DeliveryReport:
    where = f" in report {position + 1}"
    for name in REQUIRED_FIELDS:
        if not row[name]:
            raise InvalidDeliveryReport(f"{name!r} is empty{where}")
    try:
        return DeliveryReport(
            msg_id=row["MsgId"],
            status=_number(int, row, "status", MAX_CODE),
            status_name=row["status_name"] or None,
            idx=row["idx"] or None,
            donedate=_number(from_timestamp, row, "donedate"),
            sent_at=_number(from_timestamp, row, "sent_at"),
            to=row["to"] or None,
            sender=row["from"] or None,
            username=row["username"] or None,
            points=_number(to_decimal, row, "points", MAX_POINTS),
            mcc=_number(int, row, "mcc", MAX_CODE),
            mnc=_number(int, row, "mnc", MAX_CODE),
        )
    except ValueError as exc:
        raise InvalidDeliveryReport(f"{exc}{where}") from None


def _number(
    parse: Callable[[str], T], row: Mapping[str, str], name: str, largest: int | Decimal | None = None
) -> T | None:
    """The parameter `name` read by `parse`, or None when absent; within -largest..largest if given."""
    if not row[name]:
        return None
    try:
        value = parse(row[name])
        if isinstance(value, Decimal) and not value.is_finite():
            raise ValueError
    except (ValueError, ArithmeticError):
        raise ValueError(f"{name!r} is not a number: {row[name]!r}") from None
    if largest is not None and not -largest <= value <= largest:
        raise ValueError(f"{name!r} is out of range: {row[name]!r}")
    return value
