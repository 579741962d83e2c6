"""The dashboard: the last 30 days of sending and the campaigns still in flight; the old icon address."""

from __future__ import annotations

from decimal import Decimal

from flask import redirect, url_for
from flask_login import current_user, login_required

from portal.extensions import db
from portal.main import bp
from portal.reports.figures import campaigns_in_flight, last_30_days
from portal.templating import account_timezone, is_htmx_fragment_request, render_page


@bp.route("/")
@login_required
def index():
    flights = campaigns_in_flight(current_user.account_id)
    if is_htmx_fragment_request():
        # The poll every 2 s while campaigns are in flight shows only them: the 30 days are counted
        # for the whole page alone, not again and again beside a campaign being sent.
        return render_page("main/index.html", "in_flight", flights=flights)
    days = last_30_days(current_user.account_id, zone_name=account_timezone())
    db.session.commit()  # the settled days it counted are kept for the next view
    totals = {
        "sent": sum(day.sent for day in days),
        "delivered": sum(day.delivered for day in days),
        "failed": sum(day.failed for day in days),
        "points": sum((day.points for day in days), Decimal(0)),
    }
    return render_page("main/index.html", "in_flight", days=days, totals=totals, flights=flights,
                       zone=account_timezone())


@bp.route("/favicon.ico")
def favicon():
    """Browsers and tools that ignore the page's icon link still get the icon, not a 404."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
