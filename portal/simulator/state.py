"""The simulator's memory: accounts, sender names, accepted messages and counters, behind one lock."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from portal.simulator.config import SimulatorConfig

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
    used_idx: dict[str, float] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The admin view of the account (never the token)."""
        return {
            "username": self.username,
            "service": self.service,
            "points": str(self.points),
            "callback_url": self.callback_url,
            "sender_names": [record.as_json() for record in self.sender_names.values()],
        }


@dataclass
class Message:
    """One accepted message, as the admin endpoints show it."""

    id: str
    username: str
    host: str
    number: str
    submitted_number: str
    text: str
    sender: str
    idx: str | None
    parts: int
    points: Decimal
    test: bool
    date_sent: int
    notify_url: str | None
    status: str = "QUEUE"

    def as_json(self) -> dict[str, Any]:
        """The admin view of the message."""
        return {**self.__dict__, "points": str(self.points)}


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
            self.messages: dict[str, Message] = {}
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

    def idx_in_use(self, account: Account, idx: str) -> bool:
        """Whether `check_idx=1` must refuse this idx (used within the configured window)."""
        with self.lock:
            used_at = account.used_idx.get(idx)
            return used_at is not None and time.time() - used_at < self.config.idx_window

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
