"""Sender names: register custom senders with SMSAPI and follow their approval."""

from flask import Blueprint

bp = Blueprint("senders", __name__, url_prefix="/senders")

from portal.senders import routes  # noqa: E402,F401
