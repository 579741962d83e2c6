"""Typed results of SMSAPI calls, read defensively from the JSON shapes in SMSAPI.md §1.5, §4 and §7."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from portal.sms.errors import InvalidNumber, parse_invalid_numbers

# Sender-name statuses as SMSAPI spells them (official JS type SendernameStatus).
SENDER_NAME_STATUSES = ("ACTIVE", "INACTIVE", "DELETED", "PENDING", "REJECTED")


class SentMessage(NamedTuple):
    """One recipient's result of a send; old clients treat an empty id or any error as not accepted.
    A named tuple: a send job reads thousands a second, and a frozen dataclass takes four times as
    long to make."""

    id: str | None
    points: Decimal
    parts: int
    status: str
    number: str
    submitted_number: str
    idx: str | None
    error: str | None
    date_sent: datetime | None

    @property
    def accepted(self) -> bool:
        """Whether SMSAPI took this message on (it may still fail to deliver)."""
        return bool(self.id) and self.error is None


@dataclass(frozen=True)
class SendDetails:
    """What `details=1` adds: the final text after templates/normalization, its length and parts."""

    message: str
    length: int
    parts: int


@dataclass(frozen=True)
class SendResponse:
    """A send's results, one per accepted recipient, in SMSAPI's order (match them by `idx`)."""

    messages: list[SentMessage]
    details: SendDetails | None = None
    invalid_numbers: list[InvalidNumber] = field(default_factory=list)

    @property
    def points(self) -> Decimal:
        """What the send cost in total."""
        return sum((m.points for m in self.messages), Decimal(0))


@dataclass(frozen=True)
class SenderName:
    """A sender name (the `from` of an SMS); only ACTIVE ones can be used or made default."""

    name: str
    status: str
    is_default: bool
    created_at: datetime | None

    @property
    def is_active(self) -> bool:
        """Whether SMSAPI accepts it as `from` now."""
        return self.status == "ACTIVE"


@dataclass(frozen=True)
class Profile:
    """Who a token belongs to; `points` is None for account types whose profile has no balance."""

    username: str
    name: str
    email: str
    payment_type: str
    points: Decimal | None


@dataclass(frozen=True)
class Ping:
    """`GET /ping`: whether the token is accepted and which SMSAPI services are unavailable."""

    authorized: bool
    unavailable: list[str]


def to_decimal(value: Any) -> Decimal | None:
    """A Decimal from SMSAPI's points, which arrive as JSON numbers or as strings such as "0.3000"."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):  # the client reads JSON numbers as Decimal already
        return value
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"not a number of points: {value!r}") from None


def from_timestamp(value: Any) -> datetime | None:
    """An aware UTC datetime from a unix timestamp (int or numeric string), None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int):
        return _utc(value)
    return _utc(int(Decimal(str(value))))


@lru_cache(maxsize=1024)
def _utc(timestamp: int) -> datetime:
    """The messages of one answer share their second: each is converted once."""
    return datetime.fromtimestamp(timestamp, tz=UTC)


def parse_send_response(body: Mapping[str, Any]) -> SendResponse:
    """Read `{"count", "list": [...]}` plus `message`/`length`/`parts` when `details=1` was asked."""
    messages = [_parse_sent_message(item) for item in body.get("list") or []]
    details = None
    if "length" in body and "message" in body:
        details = SendDetails(str(body["message"]), int(body["length"]), int(body.get("parts") or 0))
    return SendResponse(messages, details, parse_invalid_numbers(body.get("invalid_numbers")))


def _parse_sent_message(item: Mapping[str, Any]) -> SentMessage:
    error = item.get("error")
    return SentMessage(
        id=item.get("id") or None,
        points=to_decimal(item.get("points")) or Decimal(0),
        parts=int(item.get("parts") or 0),
        status=str(item.get("status") or ""),
        number=str(item.get("number") or ""),
        submitted_number=str(item.get("submitted_number") or ""),
        idx=item.get("idx") or None,
        error=None if error is None else str(error),
        date_sent=from_timestamp(item.get("date_sent")),
    )


def parse_sender_name(body: Mapping[str, Any]) -> SenderName:
    """Read one item of `/sms/sendernames`."""
    created_at = body.get("created_at")
    return SenderName(
        name=str(body.get("sender") or ""),
        status=str(body.get("status") or "").upper(),
        is_default=bool(body.get("is_default")),
        created_at=datetime.fromisoformat(created_at) if created_at else None,
    )


def parse_profile(body: Mapping[str, Any]) -> Profile:
    """Read `GET /profile`."""
    return Profile(
        username=str(body.get("username") or ""),
        name=str(body.get("name") or ""),
        email=str(body.get("email") or ""),
        payment_type=str(body.get("payment_type") or ""),
        points=to_decimal(body.get("points")),
    )


def parse_ping(body: Mapping[str, Any]) -> Ping:
    """Read `GET /ping`."""
    return Ping(bool(body.get("authorized")), [str(s) for s in body.get("unavailable") or []])
