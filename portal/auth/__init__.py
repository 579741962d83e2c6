"""Signing in and out, and the decorators that guard the other areas."""

from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import routes  # noqa: E402,F401
