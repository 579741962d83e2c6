"""An account's SMS settings, and the SMSAPI client built from them."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import SmsSettings
from portal.sms.client import SmsapiClient
from portal.token_vault import decrypt_token


class NotConnected(Exception):
    """The account has no SMSAPI token yet: an admin must connect it in Settings -> SMS."""


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


def client_for_account(account_id: int) -> SmsapiClient:
    """The SMSAPI client of a connected account; raises NotConnected otherwise."""
    settings = settings_for(account_id)
    if not settings.is_connected:
        raise NotConnected("Connect your SMSAPI account in Settings first.")
    return make_client(decrypt_token(settings.token_ciphertext), settings.service)
