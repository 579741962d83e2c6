"""An account's SMS settings: the SMSAPI connection, test mode and callback secret, and the client built
from them. Every change is recorded in the audit trail; the token never is."""

from __future__ import annotations

import hmac
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import urlencode

from flask import current_app
from sqlalchemy import select

from portal.audit import record_event
from portal.extensions import db
from portal.models import SmsSettings, User, utcnow
from portal.models.sms_settings import new_callback_secret
from portal.sms.client import SmsapiClient
from portal.sms.errors import SmsapiAuthError, SmsapiError, TransientError
from portal.sms.results import Profile
from portal.sms.services import SERVICES, get_service
from portal.token_vault import TokenUnreadable, decrypt_token, encrypt_token, reencrypt_token

CALLBACK_PATH = "/api/smsApi/update"
IP_NOT_ALLOWED_CODE = 105  # SMSAPI.md §2.2: the caller's IP is not on the account's API allowlist


class SmsapiUnavailable(Exception):
    """The account's SMSAPI cannot be used right now; the message says why and what to do."""


class NotConnected(SmsapiUnavailable):
    """The account has no SMSAPI token yet: an admin must connect it in Settings -> SMS."""


class SettingsError(Exception):
    """A settings change that cannot be made; the message tells a non-technical admin what to do."""


def settings_for(account_id: int) -> SmsSettings:
    """The account's settings row, created (test mode on) the first time it is asked for."""
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
    """A client for `token` on `service`, pointed at SMSAPI or at the configured stand-in."""
    config = current_app.config
    return SmsapiClient(
        token,
        service=service,
        override_url=config["SMSAPI_API_URL"] or None,
        timeout=(config["SMSAPI_CONNECT_TIMEOUT"], config["SMSAPI_READ_TIMEOUT"]),
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


def connect_token(account_id: int, by: User | None, service: str, token: str) -> SmsSettings:
    """Store `token` (encrypted) once SMSAPI says whose it is; SettingsError and nothing saved otherwise."""
    token = token.strip()
    if not token:
        raise SettingsError("Paste the API token from SMSAPI.")
    name = get_service(service).display_name
    profile = _profile_or_explain(token, service)
    settings = settings_for(account_id)
    previous_service = settings.service
    settings.service = service
    settings.token_ciphertext = encrypt_token(token)
    settings.token_last4 = token[-4:]
    _store_profile(settings, profile)
    who = by.email if by else "The portal"
    record_event(account_id, by, "settings.token_connected",
                 f"{who} connected {name} as {profile.username}", service=service, username=profile.username)
    if previous_service != service:
        record_event(account_id, by, "settings.service_changed",
                     f"{who} changed the service from {get_service(previous_service).display_name} to {name}",
                     service=service)
    db.session.commit()
    return settings


def _profile_or_explain(token: str, service: str) -> Profile:
    """Who the token belongs to on `service`, or a SettingsError an admin can act on."""
    try:
        with make_client(token, service) as client:
            return client.profile()
    except SmsapiAuthError as error:
        if error.code == IP_NOT_ALLOWED_CODE:
            raise SettingsError(
                "SMSAPI refused the connection because this portal's address is not on the token's list "
                "of allowed IP addresses. Add it in SMSAPI (Settings -> API tokens), or use a token "
                "without an IP limit. Nothing was saved."
            ) from None
        other = _service_accepting(token, exclude=service)
        if other is not None:
            raise SettingsError(
                f"This token belongs to {other.display_name}, not {get_service(service).display_name}. "
                f"Choose {other.display_name} as the service and save again. Nothing was saved."
            ) from None
        raise SettingsError(
            "SMSAPI did not accept this token. Copy it again from SMSAPI (Settings -> API tokens) and "
            "check that the token may use SMS. Nothing was saved."
        ) from None
    except TransientError:
        raise SettingsError(
            "SMSAPI could not be reached just now. Nothing was saved: try again in a minute."
        ) from None
    except SmsapiError as error:
        raise SettingsError(f"SMSAPI refused the token ({error.message}). Nothing was saved.") from None


def _service_accepting(token: str, *, exclude: str):
    """The other SMSAPI service this token works on, if any (a token works on one service only)."""
    for other in SERVICES.values():
        if other.key == exclude:
            continue
        try:
            with make_client(token, other.key) as client:
                client.profile()
        except SmsapiError:
            continue
        return other
    return None


def _store_profile(settings: SmsSettings, profile: Profile) -> None:
    settings.smsapi_username = profile.username
    settings.points_balance = profile.points
    settings.checked_at = utcnow()


def check_connection(account_id: int) -> SmsSettings:
    """Ask SMSAPI again who the stored token belongs to and how many points are left."""
    settings = settings_for(account_id)
    if not settings.is_connected:
        raise SettingsError("No SMSAPI account is connected yet.")
    try:
        with connected_client(account_id, settings) as client:
            _store_profile(settings, client.profile())
    except SmsapiUnavailable as error:
        raise SettingsError(str(error)) from None
    except SmsapiError as error:
        raise SettingsError(f"SMSAPI refused the check: {error.message}.") from None
    db.session.commit()
    return settings


def disconnect(account_id: int, by: User) -> None:
    """Forget the token and what SMSAPI said about it; the account goes back to test mode."""
    settings = settings_for(account_id)
    if not settings.is_connected:
        return
    settings.token_ciphertext = settings.token_last4 = None
    settings.smsapi_username = settings.points_balance = settings.checked_at = None
    record_event(account_id, by, "settings.token_removed", f"{by.email} disconnected SMSAPI")
    if not settings.test_mode:
        # Live sending needs a token: without one the account is back where new accounts start.
        settings.test_mode = True
        record_event(account_id, by, "settings.test_mode_on", "Test mode on again: SMSAPI was disconnected")
    db.session.commit()


def set_test_mode(account_id: int, by: User, test_mode: bool, *, confirmed: bool = False) -> None:
    """Switch test mode; going live needs a connected token and an explicit confirmation."""
    settings = settings_for(account_id)
    if settings.test_mode == test_mode:
        return
    if not test_mode and not settings.is_connected:
        raise SettingsError("Connect your SMSAPI account before you switch to live sending.")
    if not test_mode and not confirmed:
        raise SettingsError("Tick the box to confirm that messages will reach real phones and cost points.")
    settings.test_mode = test_mode
    if test_mode:
        record_event(account_id, by, "settings.test_mode_on", f"{by.email} switched test mode on")
    else:
        record_event(account_id, by, "settings.test_mode_off", f"{by.email} switched to live sending")
    db.session.commit()


def callback_url(settings: SmsSettings) -> str:
    """The absolute URL to paste in SMSAPI; the secret in it is how the portal knows the account."""
    query = urlencode({"account": settings.account_id, "secret": settings.callback_secret})
    return f"{current_app.config['PUBLIC_BASE_URL']}{CALLBACK_PATH}?{query}"


def regenerate_callback_secret(account_id: int, by: User) -> None:
    """A new secret: the old callback URL stops working at once."""
    settings_for(account_id).callback_secret = new_callback_secret()
    record_event(account_id, by, "settings.callback_secret_regenerated",
                 f"{by.email} made a new callback URL; the old one stopped working")
    db.session.commit()


def account_for_callback(account: str | None, secret: str | None) -> int | None:
    """The account a callback URL's `account` and `secret` parameters name, or None.

    SMSAPI signs nothing (SMSAPI.md §3.7), so the secret is the proof. The account id finds the one
    row to compare with; the comparison takes the same time however much of a guess is right.
    """
    if not account or not account.isdigit() or not secret:
        return None
    stored = db.session.scalar(
        select(SmsSettings.callback_secret)
        .where(SmsSettings.account_id == int(account))
        .execution_options(all_accounts=True)
    )
    if stored is None or not hmac.compare_digest(stored.encode(), secret.encode()):
        return None
    return int(account)


def rotate_token_key() -> int:
    """Re-encrypt every stored token with the newest key, so older keys can be retired; returns how many."""
    rows = db.session.scalars(
        select(SmsSettings).where(SmsSettings.token_ciphertext.is_not(None)).execution_options(all_accounts=True)
    )
    count = 0
    for settings in rows:
        settings.token_ciphertext = reencrypt_token(settings.token_ciphertext)
        count += 1
    db.session.commit()
    return count
