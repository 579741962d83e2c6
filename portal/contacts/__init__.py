"""Contacts and contact lists: the people campaigns are sent to."""

from flask import Blueprint

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

from portal.contacts import routes  # noqa: E402,F401
