"""Sender-name views."""

from flask import render_template
from flask_login import login_required

from portal.senders import bp


@bp.route("/")
@login_required
def index():
    return render_template("senders/index.html")
