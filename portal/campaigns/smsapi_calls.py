"""Sending rendered messages to SMSAPI in as few calls as the protocol allows, and reading each
recipient's outcome: accepted, already accepted (53), refused (13 and others), or held.

No database here: the send job claims and records; this module only talks to SMSAPI. Calls of one
chunk run concurrently from a small thread pool, so SMSAPI's latency does not cap the throughput.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import NamedTuple

from portal.sms.client import SmsapiClient
from portal.sms.errors import (
    ContentError,
    DuplicateIdx,
    InsufficientPoints,
    InvalidRecipients,
    SmsapiAuthError,
    SmsapiError,
    TransientError,
)
from portal.sms.results import SendResponse

log = logging.getLogger(__name__)

#: SMSAPI's "invalid sender name": no message can go until the campaign's sender is fixed.
INVALID_SENDER_CODE = 14
#: Calls in flight while the recipients of a call answered 53 are tried one by one.
SINGLES_IN_FLIGHT = 8


class Recipient(NamedTuple):
    """One message of a call: our id, its idx, the number, and its params (personalised sends). A
    named tuple, as one is made for every message sent."""

    message_id: int
    idx: str
    phone: str
    params: tuple[str, ...] = ()


@dataclass(frozen=True)
class Call:
    """One `sms.do`: a text (with `[%n%]` markers when `params` are used) for many recipients."""

    text: str
    recipients: tuple[Recipient, ...]


@dataclass
class Outcome:
    """What happened to one message; `kind` is accepted | duplicate | failed | held."""

    kind: str
    smsapi_id: str | None = None
    points: Decimal | None = None
    parts: int | None = None
    error_code: int | None = None
    error_text: str | None = None
    attempts: int = 0


@dataclass
class CallSettings:
    sender: str | None
    test: bool
    notify_url: str | None
    max_parts: int
    attempts: int = 6
    retry_base: float = 0.5
    sleep: Callable[[float], None] = time.sleep


@dataclass
class ChunkResult:
    outcomes: dict[int, Outcome] = field(default_factory=dict)
    hold_reason: str | None = None  # SMSAPI refused to send for the account: the campaign pauses


def send_calls(
    client: SmsapiClient, calls: Sequence[Call], settings: CallSettings, threads: int
) -> ChunkResult:
    """Send every call (concurrently, up to `threads` at once); one outcome per message."""
    with CallRunner(client, settings, max(1, min(threads, len(calls) or 1))) as runner:
        return runner.submit(calls).result()


class CallRunner:
    """A pool of threads that sends calls and outlives a chunk: the calls of the next chunk queue
    behind those in flight, so the pool stays busy while the send job claims and records."""

    def __init__(self, client: SmsapiClient, settings: CallSettings, threads: int) -> None:
        self.client = client
        self.settings = settings
        self.pool = ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="smsapi-call")

    def submit(self, calls: Sequence[Call]) -> PendingCalls:
        send = self.pool.submit
        return PendingCalls([send(_send_call, self.client, call, self.settings) for call in calls])

    def __enter__(self) -> CallRunner:
        return self

    def __exit__(self, *exc_info) -> None:
        self.pool.shutdown(wait=True, cancel_futures=exc_info[0] is not None)


@dataclass(frozen=True)
class PendingCalls:
    """The calls of one chunk, sent or being sent."""

    futures: list[Future]

    def result(self) -> ChunkResult:
        """Wait for every call; one outcome per message, and the first reason to hold the campaign."""
        result = ChunkResult()
        for future in self.futures:
            outcomes, hold = future.result()
            result.outcomes.update(outcomes)
            if hold and result.hold_reason is None:
                result.hold_reason = hold
        return result


def _send_call(
    client: SmsapiClient, call: Call, settings: CallSettings
) -> tuple[dict[int, Outcome], str | None]:
    """One call with its retries; (outcomes, hold reason)."""
    outcomes: dict[int, Outcome] = {}
    pending = list(call.recipients)
    last_error: TransientError | None = None
    for attempt in range(settings.attempts):
        if not pending:
            break
        try:
            response = _post(client, call.text, pending, settings)
        except TransientError as error:
            last_error = error
            settings.sleep(_backoff(attempt, settings.retry_base, error.retry_after))
            continue
        except DuplicateIdx:
            # Some were accepted before (a lost answer, a worker that died): find out which, one by one.
            if len(pending) == 1:
                outcomes[pending[0].message_id] = Outcome("duplicate", attempts=attempt + 1)
                return outcomes, None
            return _one_by_one(client, call.text, pending, settings, outcomes)
        except InvalidRecipients as error:
            pending = _drop_invalid(pending, error, outcomes, attempt + 1)
            continue
        except (SmsapiAuthError, InsufficientPoints) as error:
            return outcomes, hold_reason(error)
        except ContentError as error:
            if error.code == INVALID_SENDER_CODE:
                return outcomes, hold_reason(error)
            for recipient in pending:
                outcomes[recipient.message_id] = _failed(error.code, error.message, attempt + 1)
            return outcomes, None
        except SmsapiError as error:
            for recipient in pending:
                outcomes[recipient.message_id] = _failed(error.code, error.message, attempt + 1)
            return outcomes, None
        _read_response(response, pending, outcomes, attempt + 1)
        return outcomes, None
    if pending:
        reason = f"SMSAPI could not be reached after {settings.attempts} attempts ({last_error})"
        for recipient in pending:
            code = last_error.code if last_error and isinstance(last_error.code, int) else None
            outcomes[recipient.message_id] = _failed(code, reason, settings.attempts)
    return outcomes, None


def _one_by_one(
    client: SmsapiClient,
    text: str,
    pending: list[Recipient],
    settings: CallSettings,
    outcomes: dict[int, Outcome],
) -> tuple[dict[int, Outcome], str | None]:
    """Each recipient of a call SMSAPI answered 53 to, alone (a few at a time): 53 again means it was
    accepted before; a success means it was not. The first hold reason wins."""
    hold = None
    with ThreadPoolExecutor(max_workers=SINGLES_IN_FLIGHT) as pool:
        for single, single_hold in pool.map(
            lambda recipient: _send_call(client, Call(text, (recipient,)), settings), pending
        ):
            outcomes.update(single)
            hold = hold or single_hold
    return outcomes, hold


def _post(
    client: SmsapiClient, text: str, recipients: list[Recipient], settings: CallSettings
) -> SendResponse:
    params = None
    if recipients[0].params:
        count = len(recipients[0].params)
        params = [[r.params[i] for r in recipients] for i in range(count)]
    return client.send(
        [r.phone for r in recipients],
        text,
        idx=[r.idx for r in recipients],
        sender=settings.sender,
        test=settings.test,
        notify_url=settings.notify_url,
        max_parts=settings.max_parts,
        params=params,
    )


def _read_response(
    response: SendResponse, pending: list[Recipient], outcomes: dict[int, Outcome], attempts: int
) -> None:
    """Match SMSAPI's items to our messages by idx; refused numbers by number; the rest accepted
    without an id (a test answer may list nobody) are matched by idx when their report arrives."""
    by_idx = {r.idx: r for r in pending}
    for item in response.messages:
        recipient = by_idx.pop(item.idx, None) if item.idx else None
        if recipient is None:
            continue
        if item.accepted:
            outcomes[recipient.message_id] = Outcome(
                "accepted", item.id, item.points, item.parts, attempts=attempts
            )
        elif item.error is not None and item.error.strip() == "53":
            outcomes[recipient.message_id] = Outcome("duplicate", attempts=attempts)
        else:
            code = int(item.error) if item.error and item.error.isdigit() else None
            outcomes[recipient.message_id] = _failed(
                code, f"SMSAPI refused it (error {item.error})", attempts
            )
    invalid = {n.submitted_number: n.reason for n in response.invalid_numbers}
    invalid.update({n.number: n.reason for n in response.invalid_numbers})
    for recipient in by_idx.values():
        if _number_key(recipient.phone) in invalid or recipient.phone in invalid:
            reason = invalid.get(recipient.phone) or invalid.get(_number_key(recipient.phone))
            outcomes[recipient.message_id] = _failed(13, _invalid_text(reason), attempts)
        else:
            outcomes[recipient.message_id] = Outcome("accepted", attempts=attempts)


def _drop_invalid(
    pending: list[Recipient], error: InvalidRecipients, outcomes: dict[int, Outcome], attempts: int
) -> list[Recipient]:
    """Fail the numbers error 13 names and keep the rest for the next attempt; if it names none
    we can match, every number of the call is refused."""
    named = {}
    for number in error.invalid_numbers:
        named[number.submitted_number] = number.reason
        named[number.number] = number.reason
    refused = [r for r in pending if r.phone in named or _number_key(r.phone) in named]
    if not refused:
        refused = pending
    for recipient in refused:
        reason = named.get(recipient.phone) or named.get(_number_key(recipient.phone)) or error.message
        outcomes[recipient.message_id] = _failed(13, _invalid_text(reason), attempts)
    return [r for r in pending if r not in refused]


def _number_key(phone: str) -> str:
    """The number as SMSAPI normalises it: digits only, no leading +."""
    return phone.lstrip("+")


def _invalid_text(reason: str | None) -> str:
    return f"SMSAPI refused the number: {reason or 'not a valid mobile number'}"


def _failed(code, text: str, attempts: int) -> Outcome:
    return Outcome(
        "failed", error_code=code if isinstance(code, int) else None, error_text=text[:255], attempts=attempts
    )


def _backoff(attempt: int, base: float, retry_after: float | None) -> float:
    """Exponential backoff with jitter, or SMSAPI's Retry-After when it gave one (capped at 60 s)."""
    if retry_after is not None:
        return min(60.0, retry_after)
    return min(60.0, base * (2**attempt)) * (0.5 + random.random() / 2)  # noqa: S311 - jitter only


def hold_reason(error: SmsapiError) -> str:
    """Why the campaign paused itself, in the words its page shows."""
    if isinstance(error, InsufficientPoints):
        return (
            "SMSAPI has no points left for this account (error 103). Top up in SMSAPI, "
            "then press Resume: the messages not yet sent are still queued."
        )
    if isinstance(error, ContentError) and error.code == INVALID_SENDER_CODE:
        return (
            "SMSAPI no longer accepts the campaign's sender name (error 14). Check the sender names, "
            "then press Resume."
        )
    if error.code == 105:
        return (
            "SMSAPI refused the portal's address (error 105: IP not on the account's allowlist). "
            "Allow it in SMSAPI, then press Resume."
        )
    if error.code == 110:
        return "SMS sending is not enabled on the SMSAPI account (error 110). Enable it, then press Resume."
    return (
        f"SMSAPI refused the stored token (error {error.code}). An admin must connect a valid token "
        "in Settings -> SMS, then press Resume."
    )
