"""Users of an account (admins): add, change role, deactivate."""

from flask import Blueprint

bp = Blueprint("users", __name__, url_prefix="/users")

from portal.users import routes  # noqa: E402,F401
