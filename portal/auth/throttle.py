"""Sign-in throttling: failed attempts counted per (e-mail, address), per address, and per e-mail.

An attempt is counted before the password is checked (one atomic increment per counter), so
parallel guesses cannot slip past the limit; a successful sign-in gives its attempt back. The
per-e-mail ceiling over all addresses is far above what a person types, so someone who knows an
e-mail address cannot lock its owner out from elsewhere. When Redis cannot be reached the counters
live in this process's memory for a while (logged): sign-in keeps working, a little less strictly.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from flask import current_app
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

#: Seconds a Redis that did not answer is left alone before it is tried again.
REDIS_RETRY_AFTER = 30
_UNREACHABLE = (StorageError, RedisError, ConnectionError, OSError, TimeoutError)


class SignInLocked(Exception):
    """Too many failed sign-ins: `retry_after` seconds until the form accepts this one again."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class Counter:
    name: str
    limit: RateLimitItem
    identifiers: tuple[str, ...]


def _counters(email: str, address: str) -> list[Counter]:
    config = current_app.config
    return [
        Counter("email-address", parse(config["LOGIN_LIMIT_PER_EMAIL"]), ("sign-in", email, address)),
        Counter("address", parse(config["LOGIN_LIMIT_PER_ADDRESS"]), ("sign-in", address)),
        Counter("email", parse(config["LOGIN_LIMIT_PER_EMAIL_ALL_ADDRESSES"]), ("sign-in", email)),
    ]


@dataclass(frozen=True)
class AttemptsLeft:
    """How many more failures the counter closest to running out allows, which counter that is
    ("email-address", "address" or "email"), and the seconds until it starts again from zero."""

    remaining: int
    counter: str
    seconds_left: int


def count_attempt(email: str, address: str) -> AttemptsLeft:
    """Count one attempt; returns what the counter closest to running out allows now.

    Raises SignInLocked (before any password is checked) when a counter is already used up.
    """
    return _with_storage(lambda limiter: _count(limiter, _counters(email, address)))


def forgive_attempt(email: str, address: str) -> None:
    """A successful sign-in: its counted attempt is given back on every counter."""
    _with_storage(lambda limiter: _forgive(limiter, _counters(email, address)))


def _count(limiter: FixedWindowRateLimiter, counters: list[Counter]) -> AttemptsLeft:
    for counter in counters:
        if not limiter.test(counter.limit, *counter.identifiers):
            raise SignInLocked(_seconds_left(limiter, counter))
    left = []
    for position, counter in enumerate(counters):
        if not limiter.hit(counter.limit, *counter.identifiers):
            # Lost a race for the last attempt: give back what this attempt took so far.
            _forgive(limiter, counters[: position + 1])
            raise SignInLocked(_seconds_left(limiter, counter))
        remaining = limiter.get_window_stats(counter.limit, *counter.identifiers).remaining
        left.append(AttemptsLeft(remaining, counter.name, _seconds_left(limiter, counter)))
    # Of counters equally close to running out, the one that would pause the form longest.
    return min(left, key=lambda attempts: (attempts.remaining, -attempts.seconds_left))


def _forgive(limiter: FixedWindowRateLimiter, counters: list[Counter]) -> None:
    for counter in counters:
        if limiter.get_window_stats(counter.limit, *counter.identifiers).remaining < counter.limit.amount:
            limiter.hit(counter.limit, *counter.identifiers, cost=-1)


def _seconds_left(limiter: FixedWindowRateLimiter, counter: Counter) -> int:
    reset_at = limiter.get_window_stats(counter.limit, *counter.identifiers).reset_time
    return max(1, math.ceil(reset_at - time.time()))


def _with_storage(action):
    """Run `action` on the Redis counters, or on this process's memory while Redis is unreachable."""
    state = current_app.extensions.setdefault("sign_in_throttle", {"down_until": 0.0})
    if time.monotonic() >= state["down_until"]:
        try:
            return action(FixedWindowRateLimiter(_redis_storage(state)))
        except SignInLocked:
            raise
        except _UNREACHABLE as error:
            state["down_until"] = time.monotonic() + REDIS_RETRY_AFTER
            log.warning("Sign-in limits cannot reach Redis (%s): counting in this process for %s s",
                        type(error).__name__, REDIS_RETRY_AFTER)
    memory = state.setdefault("memory", MemoryStorage())
    return action(FixedWindowRateLimiter(memory))


def _redis_storage(state: dict) -> Storage:
    storage = state.get("redis")
    if storage is None:
        # Short timeouts: a Redis that hangs must not hold the sign-in page.
        storage = storage_from_string(
            current_app.config["RATELIMIT_STORAGE_URI"], socket_timeout=2, socket_connect_timeout=2
        )
        state["redis"] = storage
    return storage


def describe_wait(seconds: int) -> str:
    """'2 hours', '3 minutes', '1 minute', '1 second', '40 seconds': how long a locked form stays locked."""
    if seconds >= 90 * 60:
        return _amount(math.ceil(seconds / 3600), "hour")
    if seconds >= 90:
        return _amount(math.ceil(seconds / 60), "minute")
    if seconds >= 60:
        return "1 minute"
    return _amount(seconds, "second")


def _amount(number: int, unit: str) -> str:
    return f"{number} {unit}" if number == 1 else f"{number} {unit}s"
