"""The landing page after sign-in, and the icon browsers ask for by its old address."""

from flask import Blueprint, redirect, url_for
from flask_login import login_required

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    return redirect(url_for("campaigns.index"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers and tools that ignore the page's icon link still get the icon, not a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
