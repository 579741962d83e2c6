"""An account's connection to SMSAPI, for every area that talks to SMSAPI or hears from it: its
settings row, a client built from the stored token, and the callback URL that names the account.

It sits below the areas (settings, senders, campaigns, callbacks), so none of them imports another to
reach SMSAPI.
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

from flask import current_app, g, has_request_context
from sqlalchemy import Connection, bindparam, select

from portal.extensions import db
from portal.ids import in_id_range
from portal.models import SmsSettings, utcnow
from portal.sms.client import SmsapiClient
from portal.sms.errors import SmsapiAuthError, TransientError
from portal.token_vault import TokenUnreadable, decrypt_token

CALLBACK_PATH = "/api/smsApi/update"


class SmsapiUnavailable(Exception):
    """The account's SMSAPI cannot be used right now; the message says why and what to do."""


class NotConnected(SmsapiUnavailable):
    """The account has no SMSAPI token yet: an admin must connect it in Settings -> SMS."""


def settings_for(account_id: int) -> SmsSettings:
    """The account's settings, for reading: the stored row, or the defaults a new account starts
    with (test mode on, not connected), which are not added to the session: reading never writes."""
    settings = db.session.scalar(select(SmsSettings).where(SmsSettings.account_id == account_id))
    if settings is None:
        settings = SmsSettings(account_id=account_id, service="pl", test_mode=True)
    return settings


def settings_to_change(account_id: int) -> SmsSettings:
    """The account's settings row, for a change: created (test mode on) and flushed if missing; the
    caller's commit keeps it."""
    settings = db.session.scalar(select(SmsSettings).where(SmsSettings.account_id == account_id))
    if settings is None:
        settings = SmsSettings(account_id=account_id)
        db.session.add(settings)
        db.session.flush()
    return settings


def sends_in_test_mode(account_id: int) -> bool:
    """Whether the account sends in test mode (new accounts do), without creating anything."""
    test_mode = db.session.scalar(select(SmsSettings.test_mode).where(SmsSettings.account_id == account_id))
    return True if test_mode is None else test_mode


def make_client(token: str, service: str) -> SmsapiClient:
    """A client for `token` on `service`, pointed at SMSAPI or at the configured stand-in.

    In a web request every client shares one deadline, `SMSAPI_INTERACTIVE_DEADLINE` seconds from the
    first one made (connect, read, failover and the probes of other services together), well under
    the web worker's timeout; jobs have no request and keep the plain timeouts.
    """
    config = current_app.config
    deadline_at = None
    if has_request_context():
        if "smsapi_deadline_at" not in g:
            g.smsapi_deadline_at = time.monotonic() + config["SMSAPI_INTERACTIVE_DEADLINE"]
        deadline_at = g.smsapi_deadline_at
    return SmsapiClient(
        token,
        service=service,
        override_url=config["SMSAPI_API_URL"] or None,
        timeout=(config["SMSAPI_CONNECT_TIMEOUT"], config["SMSAPI_READ_TIMEOUT"]),
        deadline_at=deadline_at,
    )


def client_for_account(account_id: int, settings: SmsSettings | None = None) -> SmsapiClient:
    """The SMSAPI client of a connected account; NotConnected otherwise, SmsapiUnavailable when the
    stored token cannot be decrypted."""
    settings = settings or settings_for(account_id)
    if not settings.is_connected:
        raise NotConnected("Connect your SMSAPI account in Settings -> SMS first.")
    try:
        token = decrypt_token(settings.token_ciphertext)
    except TokenUnreadable:
        raise SmsapiUnavailable(
            "The stored SMSAPI token cannot be read any more: connect it again in Settings -> SMS."
        ) from None
    return make_client(token, settings.service)


@contextmanager
def connected_client(account_id: int, settings: SmsSettings | None = None) -> Iterator[SmsapiClient]:
    """The account's client for one block of calls. Not being able to use SMSAPI at all (no token, a
    token SMSAPI no longer accepts, SMSAPI unreachable) becomes SmsapiUnavailable, worded once for
    every area; SMSAPI's answers to the request itself (SmsapiError) are the caller's to explain."""
    client = client_for_account(account_id, settings)
    try:
        with client:
            yield client
    except SmsapiAuthError:
        raise SmsapiUnavailable(
            "SMSAPI no longer accepts the stored token (it may have been deleted or limited in SMSAPI): "
            "connect a current one in Settings -> SMS."
        ) from None
    except TransientError:
        raise SmsapiUnavailable(
            "SMSAPI could not be reached just now. Nothing changed: try again in a minute."
        ) from None


def callback_url(settings: SmsSettings) -> str:
    """The absolute URL to paste in SMSAPI; the secret in it is how the portal knows the account."""
    query = urlencode({"account": settings.account_id, "secret": settings.callback_secret})
    return f"{current_app.config['PUBLIC_BASE_URL']}{CALLBACK_PATH}?{query}"


def callback_host_out_of_reach(url: str) -> str | None:
    """The host of `url` when SMSAPI, on the internet, can never call it (this machine or a private
    network); None for a public name or address."""
    host = (urlsplit(url).hostname or "").lower()
    try:
        return None if ipaddress.ip_address(host).is_global else host
    except ValueError:
        pass
    # A name without a dot, or under a reserved suffix, resolves only inside a local network.
    local = not host or "." not in host or host.endswith((".localhost", ".local", ".internal", ".lan"))
    return (host or url) if local else None


#: After a new callback secret is made, the previous one keeps working this long: messages already
#: sent carry it in their `notify_url`, and SMSAPI reports some of them days later.
PREVIOUS_SECRET_GRACE = timedelta(hours=72)


@dataclass(frozen=True)
class CallbackAccount:
    """The account a callback names, the SMSAPI username its reports must carry (None: any), and
    whether the secret was the current one (else the previous one, within its grace period)."""

    account_id: int
    required_username: str | None
    current_secret: bool = True


#: Built once: the callback runs it for every request (or batch of requests) SMSAPI sends.
_CALLBACK_SECRETS = (
    select(SmsSettings.callback_secret, SmsSettings.previous_callback_secret,
           SmsSettings.previous_callback_secret_until, SmsSettings.check_callback_username,
           SmsSettings.smsapi_username)
    .where(SmsSettings.account_id == bindparam("account"))
)


def callback_account(
    account: str | None,
    secret: str | None,
    now: datetime | None = None,
    *,
    connection: Connection | None = None,
) -> CallbackAccount | None:
    """The account a callback URL's `account` and `secret` parameters name, or None.

    SMSAPI signs nothing (SMSAPI.md §3.7), so the secret is the proof. The account id finds the one
    row to compare with; both the current and the previous secret are always compared, each in
    constant time, so the answer takes the same time however much of a guess is right. It reads
    through `connection` when given, else the session's.
    """
    if not account or not account.isdigit() or len(account) > 10 or not secret:
        return None
    if not in_id_range(int(account)):
        return None
    # A column query by the account's id, run on the connection: no ORM entity to scope or load.
    connection = connection or db.session.connection()
    row = connection.execute(_CALLBACK_SECRETS, {"account": int(account)}).first()
    if row is None:
        return None
    given = secret.encode()
    current = hmac.compare_digest(row.callback_secret.encode(), given)
    previous = hmac.compare_digest((row.previous_callback_secret or "").encode(), given)
    previous_valid = (
        row.previous_callback_secret is not None
        and row.previous_callback_secret_until is not None
        and (now or utcnow()) < row.previous_callback_secret_until
    )
    if not (current or (previous and previous_valid)):
        return None
    username = row.smsapi_username if row.check_callback_username else None
    return CallbackAccount(int(account), username, current_secret=current)


def account_for_callback(account: str | None, secret: str | None) -> int | None:
    """The id of the account a callback names, or None (see `callback_account`)."""
    found = callback_account(account, secret)
    return found.account_id if found else None
