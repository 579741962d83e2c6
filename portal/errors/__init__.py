"""Error pages inside the layout: 400 (CSRF), 403, 404, 429, 500."""

from flask import Blueprint

bp = Blueprint("errors", __name__)

from portal.errors import handlers  # noqa: E402,F401
