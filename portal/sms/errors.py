"""SMSAPI's errors as a few exception classes a caller can act on, chosen by SMSAPI's numeric code.

Legacy endpoints (`sms.do`, `user.do`) answer `{"error": <int>, "message": ...}`, normally inside an
HTTP 200 and possibly inside a 4xx/5xx; REST endpoints answer by HTTP status with a string `error`
(SMSAPI.md §2.1). Messages here never carry the token: it only travels in the Authorization header.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The official clients group 101, 102, 105, 110, 1000 and 1001 as "client errors" (SMSAPI.md §2.2).
AUTH_CODES = frozenset({101, 102, 105, 110, 1000, 1001})
INSUFFICIENT_POINTS_CODE = 103
INVALID_RECIPIENTS_CODE = 13
DUPLICATE_IDX_CODE = 53
# Host errors (8, 200, 201, 666, 999), throttling (202, 203) and "max 10 attempts to one number
# in 60 s" (52) all succeed when repeated later.
TRANSIENT_CODES = frozenset({8, 52, 200, 201, 202, 203, 666, 999})
TRANSIENT_HTTP_STATUSES = frozenset({408, 429})


class SmsapiError(Exception):
    """An answer from SMSAPI that is not a success: `code` is SMSAPI's code (int legacy, str REST)."""

    def __init__(self, code: int | str | None, message: str, *, http_status: int | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message
        self.http_status = http_status

    def __str__(self) -> str:
        where = f" (HTTP {self.http_status})" if self.http_status else ""
        return f"SMSAPI error {self.code}{where}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class SmsapiAuthError(SmsapiError):
    """The token, the service host, the IP allowlist or the account's enabled services are wrong."""


class InsufficientPoints(SmsapiError):
    """The account has too few points: hold the send until it is topped up."""


class ContentError(SmsapiError):
    """The request as sent can never succeed (text, sender, parameters); `errors` holds REST details."""

    def __init__(
        self,
        code: int | str | None,
        message: str,
        *,
        http_status: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(code, message, http_status=http_status)
        self.errors = errors or []


@dataclass(frozen=True)
class InvalidNumber:
    """One number SMSAPI refused, as normalized and as submitted."""

    number: str
    submitted_number: str
    reason: str


class InvalidRecipients(SmsapiError):
    """Error 13: none of the numbers can receive an SMS; `invalid_numbers` names them."""

    def __init__(
        self,
        code: int | str | None,
        message: str,
        *,
        http_status: int | None = None,
        invalid_numbers: list[InvalidNumber] | None = None,
    ) -> None:
        super().__init__(code, message, http_status=http_status)
        self.invalid_numbers = invalid_numbers or []


class DuplicateIdx(SmsapiError):
    """Error 53: a message with this idx was already accepted, so it is sent already, not failed."""


class SmsapiNotFound(SmsapiError):
    """REST 404 ("Not found resource"), e.g. a sender name the account does not have."""


class TransientError(SmsapiError):
    """Worth repeating later; `retry_after` is the server's `Retry-After` in seconds, when it sent one."""

    def __init__(
        self,
        code: int | str | None,
        message: str,
        *,
        http_status: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(code, message, http_status=http_status)
        self.retry_after = retry_after


def parse_invalid_numbers(items: Any) -> list[InvalidNumber]:
    """The `invalid_numbers` list of an error 13 (or of a partial success), tolerating missing keys."""
    if not isinstance(items, list):
        return []
    return [
        InvalidNumber(
            number=str(item.get("number") or ""),
            submitted_number=str(item.get("submitted_number") or ""),
            reason=str(item.get("message") or ""),
        )
        for item in items
        if isinstance(item, Mapping)
    ]


def legacy_error(
    body: Mapping[str, Any], *, http_status: int | None = None, retry_after: float | None = None
) -> SmsapiError:
    """The exception for a legacy `{"error": <int>, "message": ...}` body."""
    code = int(body["error"])
    message = str(body.get("message") or "")
    if code in AUTH_CODES:
        return SmsapiAuthError(code, message, http_status=http_status)
    if code == INSUFFICIENT_POINTS_CODE:
        return InsufficientPoints(code, message, http_status=http_status)
    if code == INVALID_RECIPIENTS_CODE:
        invalid = parse_invalid_numbers(body.get("invalid_numbers"))
        return InvalidRecipients(code, message, http_status=http_status, invalid_numbers=invalid)
    if code == DUPLICATE_IDX_CODE:
        return DuplicateIdx(code, message, http_status=http_status)
    if code in TRANSIENT_CODES:
        return TransientError(code, message, http_status=http_status, retry_after=retry_after)
    # Every other code is an "action error" (SMSAPI.md §2.2): the request itself must change.
    return ContentError(code, message, http_status=http_status)


def http_error(
    http_status: int, body: Any, *, retry_after: float | None = None
) -> SmsapiError:
    """The exception for a non-2xx answer without a legacy numeric code (REST endpoints)."""
    body = body if isinstance(body, Mapping) else {}
    code = body.get("error")
    message = str(body.get("message") or f"HTTP {http_status}")
    if http_status in (401, 403):
        return SmsapiAuthError(code, message, http_status=http_status)
    if http_status == 404:
        return SmsapiNotFound(code, message, http_status=http_status)
    if http_status in TRANSIENT_HTTP_STATUSES or http_status >= 500:
        return TransientError(code, message, http_status=http_status, retry_after=retry_after)
    if http_status == 400:
        errors = [e for e in body.get("errors") or [] if isinstance(e, Mapping)]
        return ContentError(code, message, http_status=http_status, errors=[dict(e) for e in errors])
    return SmsapiError(code, message, http_status=http_status)
