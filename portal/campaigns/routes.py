"""Campaign views."""

from flask import render_template
from flask_login import login_required

from portal.campaigns import bp


@bp.route("/")
@login_required
def index():
    return render_template("campaigns/index.html")
