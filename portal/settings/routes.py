"""Settings views."""

from flask import render_template

from portal.auth.decorators import admin_required
from portal.settings import bp


@bp.route("/")
@admin_required
def index():
    return render_template("settings/index.html")
