"""Contacts and contact lists: the people campaigns are sent to."""

from flask import Blueprint

bp = Blueprint("contacts", __name__, url_prefix="/contacts")

from portal.contacts import import_routes, list_routes, routes  # noqa: E402,F401
