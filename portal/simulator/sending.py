"""`sms.do` as SMSAPI answers it: validation in roughly SMSAPI's order, charging, the response shape."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from portal.simulator.parts import count_parts, normalize
from portal.simulator.state import Account, Message, SimulatorState

# The simulator's own number rule: 9-15 digits once "+", "00", spaces and dashes are gone;
# a 9-digit number is national and gets the country code, as SMSAPI turns 100200300 into 48100200300.
COUNTRY_CODE = "48"
_NUMBER_NOISE = re.compile(r"[\s\-()]")
MAX_IDX_LENGTH = 255  # error 27
MAX_SCHEDULE_AHEAD = 92 * 24 * 3600  # error 50: "more than 3 months ahead"


class LegacyFailure(Exception):
    """A legacy error answer: `{"error": code, "message": ...}` plus extra fields."""

    def __init__(self, code: int, message: str, **extra: Any) -> None:
        super().__init__(code, message)
        self.code = code
        self.body = {"error": code, "message": message, **extra}


def accept_send(
    state: SimulatorState, account: Account, host: str, params: Mapping[str, str]
) -> tuple[dict[str, Any], list[Message]]:
    """Validate and accept one `sms.do` send; LegacyFailure when SMSAPI would refuse it."""
    config = state.config
    recipients = [n.strip() for n in params.get("to", "").split(",") if n.strip()]
    if len(recipients) > config.max_recipients:
        raise LegacyFailure(19, "Too many messages in one request")
    text = params.get("message", "")
    if params.get("normalize") == "1":
        text = normalize(text)
    if not text:
        raise LegacyFailure(11, "Message is empty or too long")
    sender = _sender(state, account, params.get("from"))
    idx_values = _idx_values(params.get("idx"), len(recipients))
    if config.notify_url_single_only and params.get("notify_url") and len(recipients) > 1:
        raise LegacyFailure(72, "notify_url is only allowed for a single number")
    date_sent = _send_time(params.get("date"), strict=params.get("date_validate") == "1")
    parts = count_parts(text)
    if parts > min(int(params.get("max_parts") or config.max_parts_limit), config.max_parts_limit):
        raise LegacyFailure(12, "Message has more parts than max_parts allows")
    valid, invalid = _split_numbers(recipients, idx_values, config.invalid_numbers)
    if not valid:
        raise LegacyFailure(13, "No correct phone numbers", invalid_numbers=invalid)
    if params.get("check_idx") == "1":
        _refuse_used_idx(state, account, [idx for _, _, idx in valid if idx is not None])
    test = params.get("test") == "1"
    price = config.price_per_part * parts
    draft = _Draft(host, sender, text, parts, price, test, date_sent, params.get("notify_url") or None)
    with state.lock:
        if not test and account.points < price * len(valid):
            raise LegacyFailure(103, "Not enough points to send the messages")
        messages = [_record(state, account, draft, recipient) for recipient in valid]
    body: dict[str, Any] = {"count": len(messages), "list": [_item(state, m) for m in messages]}
    if invalid:
        # With some numbers valid, SMSAPI's answer for the others is not documented; the simulator
        # sends to the valid ones and lists the rest as error 13 would.
        body["invalid_numbers"] = invalid
    if params.get("details") == "1":
        body.update(message=text, length=len(text), parts=parts)
    return body, messages


def _sender(state: SimulatorState, account: Account, requested: str | None) -> str:
    if requested:
        record = state.sender_name(account, requested)
    else:
        record = next((r for r in account.sender_names.values() if r.is_default), None)
    if record is None or record.status != "ACTIVE":
        raise LegacyFailure(14, "Invalid sender name")
    return record.name


def _idx_values(raw: str | None, count: int) -> list[str | None]:
    if not raw:
        return [None] * count
    values = raw.split("|")
    if len(values) != count:
        raise LegacyFailure(20, "The number of idx values differs from the number of recipients")
    if any(len(value) > MAX_IDX_LENGTH for value in values):
        raise LegacyFailure(27, "idx is too long (255 characters at most)")
    return [value or None for value in values]


def _send_time(raw: str | None, *, strict: bool) -> int:
    """Unix timestamp or ISO-8601; a past date sends at once; a bad one is error 54 only when strict."""
    now = int(time.time())
    if not raw:
        return now
    try:
        moment = int(raw) if raw.isdigit() else int(datetime.fromisoformat(raw).timestamp())
    except ValueError:
        if strict:
            raise LegacyFailure(54, "Invalid date format") from None
        return now
    if moment - now > MAX_SCHEDULE_AHEAD:
        raise LegacyFailure(50, "The send date is more than 3 months ahead")
    return max(moment, now)


def _split_numbers(
    recipients: list[str], idx_values: list[str | None], refused: tuple[str, ...]
) -> tuple[list[tuple[str, str, str | None]], list[dict[str, str]]]:
    """(normalized, submitted, idx) for the valid numbers, SMSAPI's `invalid_numbers` for the rest."""
    valid, invalid = [], []
    for submitted, idx in zip(recipients, idx_values, strict=True):
        digits = _NUMBER_NOISE.sub("", submitted).removeprefix("+")
        digits = digits[2:] if digits.startswith("00") else digits
        number = COUNTRY_CODE + digits if len(digits) == 9 else digits
        if digits.isdigit() and 9 <= len(digits) <= 15 and not {submitted, number} & set(refused):
            valid.append((number, submitted, idx))
        else:
            invalid.append(
                {"number": number, "submitted_number": submitted, "message": "Invalid phone number"}
            )
    return valid, invalid


def _refuse_used_idx(state: SimulatorState, account: Account, idx_values: list[str]) -> None:
    with state.lock:
        seen: set[str] = set()
        duplicates = []
        for idx in idx_values:
            if idx in seen or state.idx_in_use(account, idx):
                duplicates.append(idx)
            seen.add(idx)
        if duplicates:
            state.duplicates_refused.update(duplicates)
            raise LegacyFailure(53, "Message with the given idx has already been sent (check_idx)")


@dataclass(frozen=True)
class _Draft:
    """What every recipient of one send shares."""

    host: str
    sender: str
    text: str
    parts: int
    price: Decimal
    test: bool
    date_sent: int
    notify_url: str | None


def _record(
    state: SimulatorState, account: Account, draft: _Draft, recipient: tuple[str, str, str | None]
) -> Message:
    """Keep one accepted message, charge it and remember its idx (test messages are neither)."""
    number, submitted, idx = recipient
    message = Message(
        id=secrets.token_hex(12).upper(), username=account.username, host=draft.host, number=number,
        submitted_number=submitted, text=draft.text, sender=draft.sender, idx=idx, parts=draft.parts,
        points=draft.price, test=draft.test, date_sent=draft.date_sent, notify_url=draft.notify_url,
    )
    state.messages[message.id] = message
    if not draft.test:
        account.points -= draft.price
        if idx is not None:
            account.used_idx[idx] = time.time()
    return message


def _item(state: SimulatorState, message: Message) -> dict[str, Any]:
    points: Any = f"{message.points:.4f}" if state.config.points_as_string else float(message.points)
    return {
        "id": message.id, "points": points, "number": message.number, "date_sent": message.date_sent,
        "submitted_number": message.submitted_number, "status": "QUEUE", "error": None,
        "idx": message.idx, "parts": message.parts,
    }
