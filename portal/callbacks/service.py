"""Answering SMSAPI's callback requests: the secret, the reports, and many requests stored together.

Each request is judged on its own and gets its own answer: its account and secret (403), then its
parameters (400: nothing of it is applied), then the SMSAPI user the account may require (403). The
reports of the accepted requests of one account are then stored together, in the order the requests
came (`apply_callbacks`): the same outcome as storing them one after the other. On PostgreSQL that
is one statement (`delivery.postgres`), atomic by itself, so it can run on a connection in
autocommit. Nothing here commits: the caller (`batching`) does, and decides what a failure means.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection

from portal.delivery.apply import Callback, apply_callbacks
from portal.sms.delivery import InvalidDeliveryReport, parse_delivery_reports
from portal.smsapi_account import CallbackAccount, callback_account
from portal.tenancy import account_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallbackRequest:
    """What one request to the callback URL carried: the URL's account and secret, and the report
    parameters (one comma-separated list per name, as SMSAPI batches them)."""

    account: str | None
    secret: str | None
    params: Mapping[str, str]

    @property
    def size(self) -> int:
        """About how many reports it carries (for bounding a batch; checked properly later)."""
        return self.params.get("MsgId", "").count(",") + 1


@dataclass(frozen=True)
class Answer:
    """The HTTP status and plain-text body a callback request gets."""

    status: int
    text: str


OK = Answer(200, "OK")
WRONG_SECRET = Answer(403, "Unknown account or wrong secret: use the callback URL shown in Settings -> SMS.")
NOT_STORED = Answer(500, "The reports could not be stored just now, and nothing of them was applied: "
                         "please send them again.")


@dataclass(frozen=True)
class Accepted:
    """A request found well-formed and rightly signed: where it was in its batch, and its reports."""

    position: int
    callback: Callback


class RecentSecrets:
    """The callback URLs (account and secret) found to hold their account's current secret in the
    last `SECONDS`, so that a stream of callbacks does not look the same secret up for every batch.

    Only a current secret is remembered: after "Make a new address" it stays valid for 72 hours as
    the previous one, so remembering it is never wrong for longer than `SECONDS` (a second new address
    within 72 hours, or a change of the SMSAPI-user check). A previous or wrong secret is looked up
    every time. One instance per thread.
    """

    SECONDS = 1.0

    def __init__(self) -> None:
        self._found: dict[tuple[str | None, str | None], tuple[float, CallbackAccount]] = {}

    def get(self, key: tuple[str | None, str | None]) -> CallbackAccount | None:
        found = self._found.get(key)
        if found is None or time.monotonic() - found[0] > self.SECONDS:
            return None
        return found[1]

    def remember(self, key: tuple[str | None, str | None], found: CallbackAccount | None) -> None:
        if found is not None and found.current_secret:
            if len(self._found) > 10_000:
                self._found.clear()
            self._found[key] = (time.monotonic(), found)


@dataclass(frozen=True)
class Judged:
    """A batch of requests judged: an answer for each (OK for now where accepted), and the accepted
    ones by account, in arrival order."""

    answers: list[Answer]
    accepted: dict[int, list[Accepted]]


def judge_callbacks(
    requests: Sequence[CallbackRequest],
    *,
    connection: Connection | None = None,
    recent: RecentSecrets | None = None,
) -> Judged:
    """Each request's account, secret, parameters and SMSAPI user, judged on their own. With a
    `connection`, secrets are read through it; `recent` spares looking up a secret found current a
    moment ago."""
    answers: list[Answer] = [OK] * len(requests)
    accepted: dict[int, list[Accepted]] = {}
    accounts: dict[tuple[str | None, str | None], CallbackAccount | None] = {}
    for position, request in enumerate(requests):
        key = (request.account, request.secret)
        if key not in accounts:
            accounts[key] = recent.get(key) if recent is not None else None
            if accounts[key] is None:
                accounts[key] = callback_account(request.account, request.secret, connection=connection)
                if recent is not None:
                    recent.remember(key, accounts[key])
        judged = _judge(request, accounts[key])
        if isinstance(judged, Answer):
            answers[position] = judged
        else:
            account_id = accounts[key].account_id
            accepted.setdefault(account_id, []).append(Accepted(position, judged))
    return Judged(answers, accepted)


def store_accepted(
    account_id: int, accepted: Sequence[Accepted], connection: Connection | None = None
) -> None:
    """The accepted requests' reports of one account, in arrival order, as if one came after the
    other: stored and applied, on `connection` when given (PostgreSQL), else in the session."""
    with account_scope(account_id):
        apply_callbacks(account_id, [one.callback for one in accepted], connection=connection)


def _judge(request: CallbackRequest, found: CallbackAccount | None) -> Answer | Callback:
    if found is None:
        return WRONG_SECRET
    try:
        reports = parse_delivery_reports(request.params)
    except InvalidDeliveryReport as error:
        return Answer(400, f"Malformed delivery report: {error}. Nothing was applied.")
    if found.required_username is not None:
        wrong = sorted({r.username for r in reports if r.username and r.username != found.required_username})
        if wrong:
            reason = f"username {wrong[0]!r} is not the connected SMSAPI user. Nothing was applied."
            return Answer(403, reason)
    return Callback(reports, request.params)
