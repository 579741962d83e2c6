"""The landing page after sign-in (the account's dashboard), and the icon browsers ask for by its
old address."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from portal.main import routes  # noqa: E402,F401
