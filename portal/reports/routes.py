"""The campaign report (live counts, chart, messages, timelines), its CSV export, sending again to
the numbers that failed, and the unmatched reports admins look into. Views parse, call, render."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, request, stream_with_context, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from portal.auth.decorators import admin_required
from portal.extensions import db
from portal.ids import id_arg
from portal.models import Campaign, DeliveryReport, Message
from portal.reports import bp
from portal.reports.chart import bucket_label, delivered_chart
from portal.reports.export import campaign_messages_csv
from portal.reports.figures import (
    OUTCOMES,
    PAGE_SIZE,
    STATUS_WORDS,
    campaign_counts,
    delivered_over_time,
    message_timeline,
    messages_page,
)
from portal.reports.resend import NothingToResend, draft_for_failed
from portal.templating import account_timezone, is_htmx_fragment_request, render_page
from portal.tenancy import get_scoped_or_404

REPORT = "campaigns/report.html"


@bp.route("/campaigns/<int:campaign_id>/report")
@login_required
def campaign_report(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    part = request.args.get("part") if is_htmx_fragment_request() else None
    context = {"campaign": campaign, "outcomes": OUTCOMES, "words": STATUS_WORDS}
    if part != "messages":
        context.update(_live_figures(campaign))
    if part != "live":
        context.update(_messages(campaign))
    return render_page(REPORT, part if part in ("live", "messages") else "content", **context)


def _live_figures(campaign: Campaign) -> dict:
    account_id = current_user.account_id
    counts = campaign_counts(account_id, campaign.id)
    zone = account_timezone()
    width, buckets = delivered_over_time(account_id, campaign.id, zone_name=zone)
    return {"counts": counts, "buckets": buckets, "bucket_label": bucket_label(width) if buckets else "",
            "zone": zone, "chart": delivered_chart(width, buckets)}


def _messages(campaign: Campaign) -> dict:
    outcome = request.args.get("status") or None
    number = (request.args.get("number") or "").strip()[:20]
    before = id_arg("before", big=True)
    rows, following = messages_page(current_user.account_id, campaign.id, outcome=outcome, number=number,
                                    before=before)
    return {"rows": rows, "following": following, "filters": {"status": outcome or "", "number": number},
            "page_size": PAGE_SIZE, "paged": before is not None}


@bp.route("/campaigns/<int:campaign_id>/report/messages/<int:message_id>")
@login_required
def message_detail(campaign_id: int, message_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    message = get_scoped_or_404(Message, message_id)
    if message.campaign_id != campaign.id:
        abort(404)
    events = message_timeline(current_user.account_id, message, account_timezone())
    return render_page("campaigns/message.html", "timeline", campaign=campaign, message=message,
                       events=events, words=STATUS_WORDS)


@bp.route("/campaigns/<int:campaign_id>/report/messages.csv")
@login_required
def export_messages(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    rows = campaign_messages_csv(current_user.account_id, campaign.id)
    filename = f"campaign-{campaign.id}-messages.csv"
    return Response(stream_with_context(rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@bp.route("/campaigns/<int:campaign_id>/report/resend", methods=["POST"])
@login_required
def resend_failed(campaign_id: int):
    campaign = get_scoped_or_404(Campaign, campaign_id)
    try:
        draft, recipients = draft_for_failed(campaign, current_user)
    except NothingToResend as error:
        flash(str(error), "error")
        return redirect(url_for("reports.campaign_report", campaign_id=campaign.id))
    db.session.commit()
    flash(f"Draft made for the numbers that were not reached; they are in the list “{recipients.name}”.",
          "success")
    return redirect(url_for("campaigns.edit", campaign_id=draft.id))


@bp.route("/delivery-reports/unmatched")
@admin_required
def unmatched_reports():
    before = id_arg("before", big=True)
    query = (
        select(DeliveryReport)
        .where(DeliveryReport.account_id == current_user.account_id, DeliveryReport.message_id.is_(None))
        .order_by(DeliveryReport.id.desc())
        .limit(PAGE_SIZE + 1)
    )
    if before is not None:
        query = query.where(DeliveryReport.id < before)
    reports = list(db.session.scalars(query))
    following = reports[PAGE_SIZE - 1].id if len(reports) > PAGE_SIZE else None
    return render_page("reports/unmatched.html", "content", reports=reports[:PAGE_SIZE], following=following)
