"""An account's SMS settings: the SMSAPI connection, test mode and callback secret, and the client built
from them. Every change is recorded in the audit trail; the token never is.

Like every service, these functions only flush: the view, job or command that calls them commits.
"""

from __future__ import annotations

from sqlalchemy import select

from portal.audit import record_event
from portal.extensions import db
from portal.models import Account, SmsSettings, User, utcnow
from portal.models.sms_settings import new_callback_secret
from portal.sms.client import is_header_safe
from portal.sms.errors import SmsapiAuthError, SmsapiError, TransientError
from portal.sms.results import Profile
from portal.sms.services import SERVICES, get_service
from portal.smsapi_account import (
    PREVIOUS_SECRET_GRACE,
    SmsapiUnavailable,
    connected_client,
    make_client,
    settings_to_change,
)
from portal.timezones import UnknownTimezone, zone
from portal.token_vault import encrypt_token, reencrypt_token

IP_NOT_ALLOWED_CODE = 105  # SMSAPI.md §2.2: the caller's IP is not on the account's API allowlist


class SettingsError(Exception):
    """A settings change that cannot be made; the message tells a non-technical admin what to do."""


def connect_token(account_id: int, by: User | None, service: str, token: str) -> SmsSettings:
    """Store `token` (encrypted) once SMSAPI says whose it is; SettingsError and nothing saved otherwise."""
    token = clean_token(token)
    name = get_service(service).display_name
    profile = _profile_or_explain(token, service)
    settings = settings_to_change(account_id)
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
    db.session.flush()
    return settings


def clean_token(token: str) -> str:
    """The token as pasted, without the white space copying adds; SettingsError when it cannot be one.

    Line breaks and spaces inside come from copying a wrapped token: they are removed. Any other
    character SMSAPI never puts in a token (non-ASCII, control characters) is refused, without
    repeating the token.
    """
    token = "".join(token.split())
    if not token:
        raise SettingsError("Paste the API token from SMSAPI.")
    if not is_header_safe(token):
        raise SettingsError(
            "This is not an SMSAPI token: it holds characters a token never has (letters with accents, "
            "symbols or invisible characters). Copy it again from SMSAPI (Settings -> API tokens). "
            "Nothing was saved."
        )
    return token


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


def check_connection(account_id: int) -> list[str]:
    """Ask SMSAPI again who the stored token belongs to and how many points are left.

    Returns what changed since the last check, in words for the admin (empty: nothing changed), so a
    check that finds nothing new still visibly answers.
    """
    settings = settings_to_change(account_id)
    if not settings.is_connected:
        raise SettingsError("No SMSAPI account is connected yet.")
    before = (settings.smsapi_username, settings.points_balance)
    try:
        with connected_client(account_id, settings) as client:
            _store_profile(settings, client.profile())
    except SmsapiUnavailable as error:
        raise SettingsError(str(error)) from None
    except SmsapiError as error:
        raise SettingsError(f"SMSAPI refused the check: {error.message}.") from None
    db.session.flush()
    return _profile_changes(before, (settings.smsapi_username, settings.points_balance))


def _profile_changes(before: tuple, after: tuple) -> list[str]:
    (old_username, old_points), (username, points) = before, after
    changes = []
    if old_username != username:
        changes.append(f"the SMSAPI username is now {username} (was {old_username})")
    if old_points != points:
        shown = f"{points:.2f}" if points is not None else "not shown"
        was = f"{old_points:.2f}" if old_points is not None else "not shown"
        changes.append(f"the points balance is now {shown} (was {was})")
    return changes


def disconnect(account_id: int, by: User) -> None:
    """Forget the token and what SMSAPI said about it; the account goes back to test mode."""
    settings = settings_to_change(account_id)
    if not settings.is_connected:
        return
    settings.token_ciphertext = settings.token_last4 = None
    settings.smsapi_username = settings.points_balance = settings.checked_at = None
    record_event(account_id, by, "settings.token_removed", f"{by.email} disconnected SMSAPI")
    if not settings.test_mode:
        # Live sending needs a token: without one the account is back where new accounts start.
        settings.test_mode = True
        record_event(account_id, by, "settings.test_mode_on", "Test mode on again: SMSAPI was disconnected")
    db.session.flush()


def set_test_mode(account_id: int, by: User, test_mode: bool, *, confirmed: bool = False) -> None:
    """Switch test mode; going live needs a connected token and an explicit confirmation."""
    settings = settings_to_change(account_id)
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
    db.session.flush()


def set_timezone(account_id: int, by: User, name: str) -> None:
    """The zone every time of the account is shown and scheduled in; the caller commits."""
    try:
        zone(name)
    except UnknownTimezone as error:
        raise SettingsError(str(error)) from None
    account = db.session.get(Account, account_id)
    if account.timezone == name:
        return
    previous, account.timezone = account.timezone, name
    record_event(account_id, by, "settings.timezone_changed",
                 f"{by.email} changed the time zone from {previous} to {name}", timezone=name)
    db.session.flush()


def regenerate_callback_secret(account_id: int, by: User) -> None:
    """A new secret; the previous one keeps working for a while, because messages already sent carry
    it in their notify_url (a secret older than that stops at once)."""
    settings = settings_to_change(account_id)
    settings.previous_callback_secret = settings.callback_secret
    settings.previous_callback_secret_until = utcnow() + PREVIOUS_SECRET_GRACE
    settings.callback_secret = new_callback_secret()
    hours = int(PREVIOUS_SECRET_GRACE.total_seconds() // 3600)
    record_event(account_id, by, "settings.callback_secret_regenerated",
                 f"{by.email} made a new callback URL; the previous one keeps working for {hours} hours")
    db.session.flush()


def set_callback_username_check(account_id: int, by: User, enabled: bool) -> None:
    """Refuse (or accept again) reports whose SMSAPI username is not the connected account's."""
    settings = settings_to_change(account_id)
    if settings.check_callback_username == enabled:
        return
    if enabled and not settings.smsapi_username:
        raise SettingsError("Connect your SMSAPI account first: the check compares with its username.")
    settings.check_callback_username = enabled
    state = "on" if enabled else "off"
    record_event(account_id, by, f"settings.callback_username_check_{state}",
                 f"{by.email} switched the SMSAPI username check of delivery reports {state}")
    db.session.flush()


def rotate_token_key() -> int:
    """Re-encrypt every stored token with the newest key, so older keys can be retired; returns how many."""
    rows = db.session.scalars(
        select(SmsSettings).where(SmsSettings.token_ciphertext.is_not(None)).execution_options(all_accounts=True)
    )
    count = 0
    for settings in rows:
        settings.token_ciphertext = reencrypt_token(settings.token_ciphertext)
        count += 1
    db.session.flush()
    return count


def set_default_country(account_id: int, by: User, country: str) -> None:
    """The country national phone numbers are read in (typed or imported without +); flushes."""
    from portal.contacts.phones import supported_countries
    from portal.models import Account

    country = (country or "").upper()
    if country not in supported_countries():
        raise SettingsError("Choose a country from the list.")
    account = db.session.get(Account, account_id)
    if account.default_country == country:
        return
    previous, account.default_country = account.default_country, country
    record_event(account_id, by, "settings.default_country",
                 f"{by.email} changed the default country from {previous} to {country}", country=country)
    db.session.flush()
