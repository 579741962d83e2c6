"""The one SMSAPI client every part of the portal uses: a pooled session, typed results and errors.

It retries nothing but one failover from a service's primary host to its backup host; the RQ jobs
own every other retry. The token only ever travels in the Authorization header (SMSAPI.md §1.2).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus, urlsplit

import requests
from requests.adapters import HTTPAdapter

from portal.sms.errors import SmsapiError, TransientError, http_error, legacy_error
from portal.sms.results import (
    Ping,
    Profile,
    SenderName,
    SendResponse,
    parse_ping,
    parse_profile,
    parse_send_response,
    parse_sender_name,
)
from portal.sms.services import get_service

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = (5.0, 30.0)
# UNCONFIRMED (SMSAPI.md §1.4): the real limit behind error 19 is unknown; an old table says 100.
MAX_RECIPIENTS_PER_REQUEST = 100
# `idx` values travel pipe-joined in the send and come back comma-joined in batched callbacks (§3.4).
IDX_FORBIDDEN_CHARACTERS = (",", "|")
SENDER_NAMES_PATH = "sms/sendernames"
# Personalisation markers `[%1%]`..`[%4%]` take their values from `param1`..`param4` (SMSAPI.md §1.4).
MAX_PARAMS = 4


def is_header_safe(token: str) -> bool:
    """Whether `token` can travel in an HTTP header as it is: printable ASCII, no white space."""
    return token.isascii() and token.isprintable() and not any(c.isspace() for c in token)


class _BearerAuth(requests.auth.AuthBase):
    """Adds the token as a bearer header; its repr never shows the token."""

    def __init__(self, token: str) -> None:
        self._token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self._token}"
        return request

    def __repr__(self) -> str:
        return "<BearerAuth token=***>"


class SmsapiClient:
    """SMSAPI over HTTP for one account: sending, sender names, profile and ping."""

    def __init__(
        self,
        token: str,
        *,
        service: str = "pl",
        override_url: str | None = None,
        timeout: tuple[float, float] = DEFAULT_TIMEOUT,
        failover: bool = True,
        pool_size: int = 10,
        deadline_at: float | None = None,
    ) -> None:
        """`deadline_at` (a `time.monotonic()` value) bounds every call of this client together:
        connect, read and failover each get only the time left, and a call with none left fails as
        transient at once. Set while a person waits, so a slow SMSAPI gets a message, not a killed
        web worker; jobs leave it unset and keep the plain timeouts."""
        if not token:
            raise ValueError("an SMSAPI token is required")
        if not is_header_safe(token):
            # Said without the value: requests would put the whole header in its exception.
            raise ValueError("an SMSAPI token may only hold printable ASCII characters without spaces")
        self.service = get_service(service)
        self.base_urls = self.service.base_urls(override_url)
        self.timeout = timeout
        self.failover = failover
        self.deadline_at = deadline_at
        self._session = requests.Session()
        self._session.auth = _BearerAuth(token)
        adapter = HTTPAdapter(pool_connections=len(self.base_urls), pool_maxsize=pool_size, max_retries=0)
        self._session.mount("https://", adapter)
        self._session.mount("http://", adapter)
        # The environment's proxies and CA bundle for each host, read once: left to requests, every call
        # would scan the environment again (a send job makes thousands of calls a minute).
        self._environment = {
            base_url: self._session.merge_environment_settings(base_url, {}, None, None, None)
            for base_url in self.base_urls
        }
        self._session.trust_env = False

    def __repr__(self) -> str:
        return f"SmsapiClient(service={self.service.key!r}, base_url={self.base_urls[0]!r})"

    def __enter__(self) -> SmsapiClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the pooled connections."""
        self._session.close()

    def send(
        self,
        to: Sequence[str],
        message: str,
        *,
        idx: Sequence[str] | None = None,
        sender: str | None = None,
        test: bool = False,
        notify_url: str | None = None,
        max_parts: int | None = None,
        normalize: bool = False,
        details: bool = False,
        date: datetime | int | None = None,
        expiration_date: datetime | int | None = None,
        params: Sequence[Sequence[str]] | None = None,
    ) -> SendResponse:
        """Send one text to many recipients in one call; `idx` (one per recipient) enables SMSAPI's
        duplicate check, so repeating a call after a lost answer raises DuplicateIdx instead of resending.

        `params` personalises one text: `params[n]` holds one value per recipient for `[%n+1%]`
        in `message` (SMSAPI's `param1`-`param4`, pipe-joined in `to` order, SMSAPI.md §1.4)."""
        recipients = [to] if isinstance(to, str) else list(to)
        form = _send_form(recipients, message, idx) + _param_form(params, len(recipients))
        optional: list[tuple[str, str | None]] = [
            ("from", sender),
            ("test", "1" if test else None),
            ("notify_url", notify_url),
            ("max_parts", None if max_parts is None else str(max_parts)),
            ("normalize", "1" if normalize else None),
            ("details", "1" if details else None),
            ("expiration_date", _timestamp(expiration_date)),
        ]
        if date is not None:
            # The official PHP and JS clients always ask for strict date parsing when scheduling.
            optional += [("date", _timestamp(date)), ("date_validate", "1")]
        form += [(key, value) for key, value in optional if value is not None]
        return parse_send_response(self._call("POST", "sms.do", data=form))

    def profile(self) -> Profile:
        """Who the token belongs to and, for account types that have one, the points balance."""
        return parse_profile(self._call("GET", "profile"))

    def ping(self) -> Ping:
        """Whether SMSAPI is reachable and accepts the token."""
        return parse_ping(self._call("GET", "ping"))

    def list_sender_names(self) -> list[SenderName]:
        """Every sender name on the account, whatever its status."""
        body = self._call("GET", SENDER_NAMES_PATH)
        return [parse_sender_name(item) for item in body.get("collection") or []]

    def get_sender_name(self, name: str) -> SenderName:
        """One sender name; SmsapiNotFound when the account has no such name."""
        return parse_sender_name(self._call("GET", _sender_name_path(name)))

    def create_sender_name(self, name: str) -> SenderName:
        """Register a sender name; SMSAPI reviews it by hand, so it starts PENDING."""
        return parse_sender_name(self._call("POST", SENDER_NAMES_PATH, data=[("sender", name)]))

    def delete_sender_name(self, name: str) -> None:
        """Remove a sender name from the account."""
        self._call("DELETE", _sender_name_path(name))

    def make_default_sender_name(self, name: str) -> None:
        """Use this (ACTIVE) name when a send names no sender."""
        self._call("POST", f"{_sender_name_path(name)}/commands/make_default")

    def _call(self, method: str, path: str, *, data: list[tuple[str, str]] | None = None) -> Any:
        """One call, moved once to the backup host when the primary fails transiently."""
        hosts = self.base_urls if self.failover else self.base_urls[:1]
        for base_url in hosts[:-1]:
            try:
                return self._call_host(base_url, method, path, data)
            except TransientError as exc:
                log.warning("SMSAPI %s %s failed on %s (%s); trying the backup host",
                            method, path, _host(base_url), exc)
        return self._call_host(hosts[-1], method, path, data)

    def _timeout_left(self, host: str) -> tuple[float, float]:
        """The (connect, read) timeouts, cut to the time left before the deadline."""
        if self.deadline_at is None:
            return self.timeout
        left = self.deadline_at - time.monotonic()
        if left <= 0:
            raise TransientError(None, f"no time left to ask {host} (the deadline for this request passed)")
        return (min(self.timeout[0], left), min(self.timeout[1], left))

    def _call_host(self, base_url: str, method: str, path: str, data: list[tuple[str, str]] | None) -> Any:
        host = _host(base_url)
        timeout = self._timeout_left(host)
        try:
            environment = self._environment[base_url]
            response = self._session.request(
                method, base_url + path, data=form_body(data) if data else None,
                headers=_FORM_HEADERS if data else None, timeout=timeout, allow_redirects=False,
                proxies=environment["proxies"], verify=environment["verify"],
            )
        except requests.Timeout as exc:
            raise TransientError(None, f"no answer from {host} in time ({type(exc).__name__})") from exc
        except requests.RequestException as exc:
            raise TransientError(None, f"could not reach {host} ({type(exc).__name__})") from exc
        log.debug("SMSAPI %s %s on %s: HTTP %s", method, path, host, response.status_code)
        return _read_response(response)


_FORM_HEADERS = {"Content-Type": "application/x-www-form-urlencoded"}


#: What a form body carries as it is; any other character travels as `%XX` of its UTF-8 bytes.
_FORM_SAFE = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")


def form_body(form: Sequence[tuple[str, str]]) -> bytes:
    """`form` as `urllib.parse.urlencode` encodes it (UTF-8, a space as `+`). A send's recipients,
    idx and params are each one long joined value, which urlencode quotes calling Python once per
    byte; here each distinct character to escape is replaced once, in C: a third of the time."""
    return "&".join(f"{_form_escaped(name)}={_form_escaped(value)}" for name, value in form).encode("ascii")


def _form_escaped(value: str) -> str:
    unsafe = set(value) - _FORM_SAFE
    if not unsafe:
        return value
    if len(unsafe) > 16:  # a text of many different characters: one pass does better
        return quote_plus(value)
    # `%` first, then `+`, so that no escape made here is escaped again.
    for character in sorted(unsafe, key=lambda c: (c != "%", c != "+")):
        value = value.replace(character, _escape(character))
    return value


@lru_cache(maxsize=1024)
def _escape(character: str) -> str:
    return "+" if character == " " else "".join(f"%{byte:02X}" for byte in character.encode())


def _send_form(to: list[str], message: str, idx: Sequence[str] | None) -> list[tuple[str, str]]:
    """The fixed head of a send: `format=json` first, as the PHP client does since 3.0.10."""
    if not to:
        raise ValueError("at least one recipient is required")
    if any("," in number for number in to):
        raise ValueError("a recipient number cannot contain ','")
    form = [("format", "json"), ("encoding", "utf-8"), ("to", ",".join(to)), ("message", message)]
    if idx is None:
        return form
    idx = [idx] if isinstance(idx, str) else list(idx)
    if len(idx) != len(to):
        raise ValueError(f"{len(idx)} idx values for {len(to)} recipients")
    for value in idx:
        if not value or any(c in value for c in IDX_FORBIDDEN_CHARACTERS):
            raise ValueError(f"idx {value!r} must be non-empty and contain neither ',' nor '|'")
    return [*form, ("idx", "|".join(idx)), ("check_idx", "1")]


def _param_form(params: Sequence[Sequence[str]] | None, count: int) -> list[tuple[str, str]]:
    """`param1`-`param4`, each one value per recipient joined with `|` (so a value cannot hold one)."""
    if not params:
        return []
    if len(params) > MAX_PARAMS:
        raise ValueError(f"SMSAPI takes at most {MAX_PARAMS} params, {len(params)} given")
    form = []
    for number, values in enumerate(params, start=1):
        values = list(values)
        if len(values) != count:
            raise ValueError(f"param{number} has {len(values)} values for {count} recipients")
        if any("|" in value for value in values):
            raise ValueError(f"a value of param{number} contains '|', SMSAPI's separator")
        form.append((f"param{number}", "|".join(values)))
    return form


def _timestamp(value: datetime | int | None) -> str | None:
    """A unix timestamp, which SMSAPI reads for `date` and `expiration_date` without ambiguity."""
    if value is None or isinstance(value, int):
        return None if value is None else str(value)
    if value.tzinfo is None:
        raise ValueError("a send date must be timezone-aware")
    return str(int(value.timestamp()))


def _sender_name_path(name: str) -> str:
    return f"{SENDER_NAMES_PATH}/{quote(name, safe='')}"


def _host(base_url: str) -> str:
    return urlsplit(base_url).netloc + urlsplit(base_url).path.rstrip("/")


def _read_response(response: requests.Response) -> Any:
    """The JSON body of a success, or the matching SmsapiError raised."""
    retry_after = _retry_after(response.headers.get("Retry-After"))
    status = response.status_code
    if response.ok and not response.content:
        return None
    try:
        body = response.json(parse_float=Decimal)
    except ValueError:
        if response.ok:
            raise TransientError(None, f"SMSAPI answered HTTP {status} with a body that is not JSON",
                                 http_status=status, retry_after=retry_after) from None
        raise http_error(status, None, retry_after=retry_after) from None
    if isinstance(body, dict) and _legacy_code(body.get("error")) is not None:
        # Legacy endpoints report errors inside HTTP 200, and possibly inside a 4xx/5xx (SMSAPI.md §1.6).
        body = {**body, "error": _legacy_code(body["error"])}
        raise legacy_error(body, http_status=status, retry_after=retry_after)
    if not response.ok:
        raise http_error(status, body, retry_after=retry_after)
    if not isinstance(body, dict):
        raise SmsapiError(None, f"unexpected SMSAPI answer of type {type(body).__name__}", http_status=status)
    return body


def _legacy_code(value: Any) -> int | None:
    """SMSAPI's numeric legacy code; REST codes are strings like "invalid_request_data"."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a `Retry-After` header (seconds or an HTTP date); SMSAPI sending it is UNCONFIRMED."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())
