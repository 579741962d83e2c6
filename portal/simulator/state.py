"""The simulator's memory: accounts, sender names, accepted messages and counters, behind one lock."""

from __future__ import annotations

import random
import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from portal.simulator.config import SimulatorConfig
from portal.simulator.reference import STATUS_CODES_BY_NAME, STATUSES

QUEUE = STATUS_CODES_BY_NAME["QUEUE"]
# At most this many examples of an idx accepted more than once are listed by the summary.
REPEATED_IDX_EXAMPLES = 100

# A new SMSAPI account sends as "Test" until it has names of its own (SMSAPI.md §1.4).
DEFAULT_SENDER_NAME = "Test"


@dataclass
class SenderNameRecord:
    """A sender name as SMSAPI keeps it; PENDING until approved or rejected."""

    name: str
    status: str
    is_default: bool = False
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_json(self) -> dict[str, Any]:
        """The REST shape of `/sms/sendernames` items."""
        return {
            "sender": self.name,
            "is_default": self.is_default,
            "status": self.status,
            "created_at": self.created_at.isoformat(timespec="seconds"),
        }


@dataclass
class Account:
    """One SMSAPI account and the token that opens it."""

    token: str
    service: str
    username: str
    points: Decimal
    callback_url: str | None = None
    sender_names: dict[str, SenderNameRecord] = field(default_factory=dict)
    # idx -> the last message accepted with it.
    used_idx: dict[str, Message] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The admin view of the account (never the token)."""
        return {
            "username": self.username,
            "service": self.service,
            "points": str(self.points),
            "callback_url": self.callback_url,
            "sender_names": [record.as_json() for record in self.sender_names.values()],
        }


@dataclass(frozen=True, slots=True)
class Batch:
    """What every recipient of one `sms.do` call shares, kept once for all of them."""

    username: str
    host: str
    sender: str
    text: str
    parts: int
    points: Decimal
    test: bool
    date_sent: int
    notify_url: str | None
    accepted_at: float
    id_prefix: str = ""


class Message:
    """One accepted message, compact enough to keep a million: its batch holds the shared fields."""

    __slots__ = ("batch", "idx", "number", "position", "status", "submitted")

    def __init__(self, position: int, number: str, submitted: str, idx: str | None, batch: Batch) -> None:
        self.position = position
        self.number = number
        self.submitted = None if submitted == number else submitted
        self.idx = idx
        self.batch = batch
        self.status = QUEUE

    @property
    def id(self) -> str:
        """SMSAPI's 24 hex digits: the simulator's prefix, then the position (not stored: 1M strings)."""
        return f"{self.batch.id_prefix}{self.position:016X}"

    def as_json(self) -> dict[str, Any]:
        """The admin view of the message."""
        batch = self.batch
        return {
            "id": self.id, "username": batch.username, "host": batch.host, "number": self.number,
            "submitted_number": self.number if self.submitted is None else self.submitted,
            "text": batch.text, "sender": batch.sender, "idx": self.idx, "parts": batch.parts,
            "points": str(batch.points), "test": batch.test, "date_sent": batch.date_sent,
            "notify_url": batch.notify_url, "status": STATUSES[self.status].name,
            "accepted_at": batch.accepted_at,
        }


class SimulatorState:
    """Everything the simulator remembers; every method that reads or writes holds `lock`."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.lock = threading.RLock()
        self.initial_config = config
        self.reset()

    def reset(self, config: SimulatorConfig | None = None) -> None:
        """Forget everything and start again from `config` (by default the one started with)."""
        with self.lock:
            self.config = config or self.initial_config
            # Simulated outcomes (faults, delivery mix), not secrets: a seedable generator is the point.
            self.rng = random.Random(self.config.seed)  # noqa: S311
            self.accounts: dict[str, Account] = {}
            # A message's id is this prefix and its position in `messages`: no id string per message.
            self.id_prefix = secrets.token_hex(4).upper()
            self.messages: list[Message] = []
            self.repeated_idx: Counter[str] = Counter()
            self.parts_total = 0
            self.points_charged = Decimal(0)
            self.test_messages = 0
            self.duplicates_refused: Counter[str] = Counter()
            self.hits: Counter[str] = Counter()
            self.add_account(self.config.token, self.config.service, self.config.username,
                             self.config.points, self.config.callback_url)

    def add_account(
        self, token: str, service: str, username: str, points: Decimal, callback_url: str | None = None
    ) -> Account:
        """A new account with the default sender name active; a known username is replaced."""
        with self.lock:
            for known_token, known in list(self.accounts.items()):
                if known.username == username:
                    del self.accounts[known_token]
            account = Account(token, service, username, points, callback_url)
            account.sender_names[DEFAULT_SENDER_NAME] = SenderNameRecord(
                DEFAULT_SENDER_NAME, "ACTIVE", is_default=True
            )
            self.accounts[token] = account
            return account

    def account_named(self, username: str) -> Account | None:
        """The account with this username."""
        with self.lock:
            return next((a for a in self.accounts.values() if a.username == username), None)

    def sender_name(self, account: Account, name: str) -> SenderNameRecord | None:
        """A sender name with its review decided once `approve_after` has passed."""
        with self.lock:
            record = account.sender_names.get(name)
            after = self.config.approve_after
            if (
                record and record.status == "PENDING" and after is not None
                and datetime.now(UTC) >= record.created_at + timedelta(seconds=after)
            ):
                self.decide(record, approve=name not in self.config.reject_names)
            return record

    def decide(self, record: SenderNameRecord, *, approve: bool) -> None:
        """Approve or reject a sender name, as SMSAPI's staff do by hand."""
        with self.lock:
            record.status = "ACTIVE" if approve else "REJECTED"

    def keep_all(
        self, account: Account, batch: Batch, recipients: list[tuple[str, str, str | None]]
    ) -> list[Message]:
        """Accept one message per (number, submitted, idx): charge it, remember its idx unless test=1.

        The caller holds `lock`. One loop for the whole call, as this is the simulator's hot path.
        """
        messages = self.messages
        accepted = [Message(position, number, submitted, idx, batch)
                    for position, (number, submitted, idx) in enumerate(recipients, len(messages))]
        messages.extend(accepted)
        if batch.test:
            self.test_messages += len(accepted)
            return accepted
        self.parts_total += batch.parts * len(accepted)
        charged = batch.points * len(accepted)
        self.points_charged += charged
        account.points -= charged
        used = account.used_idx
        for message in accepted:
            if message.idx is not None:
                if message.idx in used:
                    self.repeated_idx[message.idx] += 1
                used[message.idx] = message
        return accepted

    def idx_in_use(self, account: Account, idx: str) -> bool:
        """Whether `check_idx=1` must refuse this idx (accepted within the configured window)."""
        with self.lock:
            last = account.used_idx.get(idx)
            return last is not None and time.time() - last.batch.accepted_at < self.config.idx_window

    def summary(self) -> dict[str, Any]:
        """The admin overview."""
        with self.lock:
            return {
                "accounts": [a.as_json() for a in self.accounts.values()],
                "messages": len(self.messages),
                "duplicates_refused": sum(self.duplicates_refused.values()),
                "duplicates_refused_by_idx": dict(self.duplicates_refused),
                "hits": dict(self.hits),
            }

    def counts(self) -> dict[str, Any]:
        """What was accepted, for tests that count at the simulator (`/_simulator/summary`)."""
        with self.lock:
            examples = [{"idx": idx, "accepted": count + 1}
                        for idx, count in self.repeated_idx.most_common(REPEATED_IDX_EXAMPLES)]
            return {
                "accepted": len(self.messages) - self.test_messages,
                "test_messages": self.test_messages,
                "distinct_idx": sum(len(a.used_idx) for a in self.accounts.values()),
                "idx_accepted_more_than_once": len(self.repeated_idx),
                "repeated_idx_examples": examples,
                "parts": self.parts_total,
                "points_charged": str(self.points_charged),
                "duplicates_refused": sum(self.duplicates_refused.values()),
            }
