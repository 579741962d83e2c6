"""SMSAPI calls the portal here with delivery reports: no session, no CSRF; the secret is the proof."""

from flask import Blueprint

bp = Blueprint("callbacks", __name__)

from portal.callbacks import routes  # noqa: E402,F401
