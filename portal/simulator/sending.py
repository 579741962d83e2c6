"""`sms.do` as SMSAPI answers it: validation in roughly SMSAPI's order, charging, the response shape."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from portal.simulator.config import SimulatorConfig
from portal.simulator.parts import count_parts, normalize
from portal.simulator.state import Account, Batch, Message, SimulatorState

# The simulator's own number rule: 9-15 digits once "+", "00", spaces and dashes are gone;
# a 9-digit number is national and gets the country code, as SMSAPI turns 100200300 into 48100200300.
COUNTRY_CODE = "48"
_NUMBER_NOISE = re.compile(r"[\s\-()]")
# The C string escaper the json module uses, called directly: the hot path of a large send.
_escape = json.encoder.encode_basestring_ascii  # type: ignore[attr-defined]
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
) -> SendAnswer:
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
    test = params.get("test") == "1"
    batch = Batch(account.username, host, sender, text, parts, config.price_per_part * parts, test,
                  date_sent, params.get("notify_url") or None, time.time(), state.id_prefix)
    with state.lock:
        skipped = _used_idx(state, account, valid) if params.get("check_idx") == "1" else []
        if skipped:
            valid = [recipient for recipient in valid if recipient not in skipped]
        if not test and account.points < batch.points * len(valid):
            raise LegacyFailure(103, "Not enough points to send the messages")
        messages = state.keep_all(account, batch, valid)
    return SendAnswer(config, batch, messages, skipped, invalid, params.get("details") == "1")


@dataclass(frozen=True)
class SendAnswer:
    """The success answer of one `sms.do` call, rendered as JSON or as SMSAPI's old plain text."""

    config: SimulatorConfig
    batch: Batch
    messages: list[Message]
    skipped: list[tuple[str, str, str | None]]
    invalid: list[dict[str, str]]
    details: bool

    def items(self) -> list[dict[str, Any]]:
        """`list` of the answer: the accepted messages, then recipients skipped for a used idx."""
        items = _items(self.config, self.batch, self.messages) + [_duplicate_item(r) for r in self.skipped]
        return _test_list(items, self.config) if self.batch.test else items

    def as_dict(self) -> dict[str, Any]:
        """The JSON answer as a dict."""
        return self._extras({"count": len(self.messages), "list": self.items()})

    def as_json_text(self) -> str:
        """The JSON answer; a plain send of 100 recipients is rendered directly, 5x faster than json."""
        if self.batch.test or self.skipped:
            return json.dumps(self.as_dict(), separators=(",", ":"))
        rendered = _items_json(self.config, self.batch, self.messages)
        extras = json.dumps(self._extras({}), separators=(",", ":"))[1:-1]
        return f'{{"count":{len(self.messages)},"list":[{rendered}]{"," if extras else ""}{extras}}}'

    def _extras(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.invalid:
            # With some numbers valid, SMSAPI's answer for the others is not documented; the simulator
            # sends to the valid ones and lists the rest as error 13 would.
            body["invalid_numbers"] = self.invalid
        if self.details:
            body.update(message=self.batch.text, length=len(self.batch.text), parts=self.batch.parts)
        return body


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
    refused_set = set(refused)
    for submitted, idx in zip(recipients, idx_values, strict=True):
        # Already international digits, the portal's form: the common case, kept cheap.
        if (submitted.isdigit() and 10 <= len(submitted) <= 15 and not submitted.startswith("00")
                and submitted not in refused_set):
            valid.append((submitted, submitted, idx))
            continue
        digits = _NUMBER_NOISE.sub("", submitted).removeprefix("+")
        digits = digits[2:] if digits.startswith("00") else digits
        number = COUNTRY_CODE + digits if len(digits) == 9 else digits
        if digits.isdigit() and 9 <= len(digits) <= 15 and not {submitted, number} & refused_set:
            valid.append((number, submitted, idx))
        else:
            invalid.append(
                {"number": number, "submitted_number": submitted, "message": "Invalid phone number"}
            )
    return valid, invalid


def _used_idx(
    state: SimulatorState, account: Account, valid: list[tuple[str, str, str | None]]
) -> list[tuple[str, str, str | None]]:
    """Recipients whose idx was accepted within the window (or repeats in this call): error 53.

    Whether SMSAPI then refuses the whole call or only those recipients is not documented
    (SMSAPI.md §1.4, §2.2); `duplicate_idx_mode` plays either, refusing the call by default.
    """
    seen: set[str] = set()
    used = []
    for recipient in valid:
        idx = recipient[2]
        if idx is not None and (idx in seen or state.idx_in_use(account, idx)):
            used.append(recipient)
        if idx is not None:
            seen.add(idx)
    if used:
        state.duplicates_refused.update(idx for _, _, idx in used)
        if state.config.duplicate_idx_mode == "reject_call" or len(used) == len(valid):
            raise LegacyFailure(53, "Message with the given idx has already been sent (check_idx)")
    return used


def _points(config: SimulatorConfig, batch: Batch) -> str | float:
    return f"{batch.points:.4f}" if config.points_as_string else float(batch.points)


def _items(config: SimulatorConfig, batch: Batch, messages: list[Message]) -> list[dict[str, Any]]:
    points = _points(config, batch)
    return [
        {"id": m.id, "points": points, "number": m.number, "date_sent": batch.date_sent,
         "submitted_number": m.number if m.submitted is None else m.submitted,
         "status": "QUEUE", "error": None, "idx": m.idx, "parts": batch.parts}
        for m in messages
    ]


def _items_json(config: SimulatorConfig, batch: Batch, messages: list[Message]) -> str:
    """The same items as `_items` as JSON text: ids and numbers are hex and digits, so only the
    submitted number and idx (the caller's strings) need escaping."""
    tail = (f',"points":{json.dumps(_points(config, batch))},"date_sent":{batch.date_sent},'
            f'"status":"QUEUE","error":null,"parts":{batch.parts}}}')
    return ",".join(
        f'{{"id":"{m.id}","number":"{m.number}",'
        f'"submitted_number":{_escape(m.number if m.submitted is None else m.submitted)},'
        f'"idx":{"null" if m.idx is None else _escape(m.idx)}{tail}'
        for m in messages
    )


def _duplicate_item(recipient: tuple[str, str, str | None]) -> dict[str, Any]:
    """A recipient skipped for its used idx (`duplicate_idx_mode=skip_duplicates`): no id, error 53."""
    number, submitted, idx = recipient
    return {"id": None, "points": 0, "number": number, "date_sent": None, "submitted_number": submitted,
            "status": None, "error": 53, "idx": idx, "parts": 0}


def _test_list(items: list[dict[str, Any]], config: SimulatorConfig) -> list[dict[str, Any]]:
    """A test=1 answer: whether SMSAPI gives real ids and points in test mode is unknown (SMSAPI.md §5)."""
    if config.test_mode_ids == "empty_list":
        return []
    if config.test_mode_ids == "no_id":
        return [{**item, "id": None, "points": 0} for item in items]
    return items
