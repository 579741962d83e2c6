"""Campaign views from review to finish: the launch page (cost, test send, schedule), the state
buttons (pause, resume, cancel) and the live progress.

Each action is a plain form post that answers with a redirect or the page with its errors; htmx
posts the same forms and gets only the fragment that changed.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.campaigns import bp
from portal.campaigns.forms import ConfirmForm, LaunchForm, TestSendForm, split_numbers
from portal.campaigns.launch import (
    LaunchRefused,
    cancel_campaign,
    launch_campaign,
    pause_campaign,
    resume_campaign,
    send_test,
    start_sending,
)
from portal.campaigns.lifecycle import TransitionRefused
from portal.campaigns.scheduling import ScheduleRefused, send_time_in_utc
from portal.campaigns.summary import STATE_ACTIONS, campaign_summary, launch_review, test_messages
from portal.extensions import db
from portal.models import Campaign, CampaignStatus
from portal.templating import is_htmx_fragment_request, render_page
from portal.tenancy import get_scoped_or_404

LAUNCH_PAGE = "campaigns/launch.html"
SHOW_PAGE = "campaigns/show.html"


def _draft_or_redirect(campaign_id: int):
    """The draft, or a redirect to its summary once it has been launched."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        return campaign, redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    return campaign, None


@bp.route("/<int:campaign_id>/launch", methods=["GET", "POST"])
@login_required
def launch(campaign_id: int):
    """GET reviews audience, cost and balance; POST launches now or schedules, or shows why not."""
    campaign, moved = _draft_or_redirect(campaign_id)
    if moved:
        return moved
    form = LaunchForm()
    problems: list[str] = []
    if form.validate_on_submit():
        try:
            send_at = _send_at(form)
            launched = launch_campaign(campaign.id, current_user, send_at=send_at)
        except ScheduleRefused as refused:
            form.send_at.errors = [str(refused)]
        except LaunchRefused as refused:
            db.session.rollback()
            problems = refused.problems
        else:
            db.session.commit()
            start_sending(launched.id)
            flash(_launched_notice(launched), "success")
            target = url_for("campaigns.edit", campaign_id=launched.id)
            if is_htmx_fragment_request():
                response = redirect(target)
                response.headers["HX-Redirect"] = target
                return response
            return redirect(target)
    status = 422 if form.is_submitted() else 200
    context = launch_review(campaign, test_form=TestSendForm(formdata=None))
    return render_page(LAUNCH_PAGE, "launch_form", status=status, form=form, problems=problems, **context)


def _send_at(form: LaunchForm):
    if form.when.data != "later":
        return None
    return send_time_in_utc(form.send_at.data, current_user.account.timezone)


def _launched_notice(campaign: Campaign) -> str:
    if campaign.status == CampaignStatus.SCHEDULED:
        return f"“{campaign.name}” is scheduled."
    return f"“{campaign.name}” is being sent."


@bp.route("/<int:campaign_id>/test", methods=["POST"])
@login_required
def test_send(campaign_id: int):
    """Send the message to a few typed-in numbers; they are test messages, not in the statistics."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    form = TestSendForm()
    sent = False
    if form.validate_on_submit():
        try:
            send_test(campaign.id, split_numbers(form.phones.data), current_user)
        except LaunchRefused as refused:
            db.session.rollback()
            form.phones.errors = list(refused.problems)
        else:
            db.session.commit()
            start_sending(campaign.id)
            sent = True
    if not is_htmx_fragment_request():
        if sent:
            flash("The test is on its way: see it under “Test messages”.", "success")
            return redirect(url_for("campaigns.launch", campaign_id=campaign.id) + "#test-send")
        return render_page(
            LAUNCH_PAGE,
            "content",
            status=422,
            form=LaunchForm(formdata=None),
            problems=[],
            **launch_review(campaign, test_form=form),
        )
    return render_page(
        LAUNCH_PAGE,
        "test_send",
        status=200 if sent else 422,
        campaign=campaign,
        test_form=TestSendForm(formdata=None) if sent else form,
        tests=test_messages(campaign.id),
        sent=sent,
    )


_DOERS = {"pause": pause_campaign, "resume": resume_campaign, "cancel": cancel_campaign}


@bp.route("/<int:campaign_id>/<any(pause, resume, cancel):action>", methods=["GET", "POST"])
@login_required
def change_state(campaign_id: int, action: str):
    """GET asks for confirmation (the page without JavaScript), POST pauses, resumes or cancels.

    With JavaScript the buttons post directly after the browser's confirmation dialog.
    """
    campaign = get_scoped_or_404(Campaign, campaign_id)
    form = ConfirmForm()
    chosen = STATE_ACTIONS[action]
    if request.method == "POST" and (form.validate() or not chosen.destructive):
        notice, category = _change_state(campaign, action)
        if is_htmx_fragment_request():
            return render_page(SHOW_PAGE, "status", notice=notice, **campaign_summary(campaign))
        flash(notice, category)
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    status = 422 if request.method == "POST" else 200
    return render_page(
        "campaigns/confirm.html", "content", status=status, campaign=campaign, form=form, action=chosen
    )


def _change_state(campaign: Campaign, action: str) -> tuple[str, str]:
    """Do `action`, commit, and say what happened (or why not) in plain words."""
    if not STATE_ACTIONS[action].allowed(campaign):
        return STATE_ACTIONS[action].refusal(campaign), "error"
    try:
        _DOERS[action](campaign.id, current_user)
    except TransitionRefused as refused:
        db.session.rollback()
        return refused.message, "error"
    db.session.commit()
    if action == "resume":
        start_sending(campaign.id)
    return STATE_ACTIONS[action].done.format(name=campaign.name), "success"


@bp.route("/<int:campaign_id>/progress")
@login_required
def progress(campaign_id: int):
    """The live status fragment htmx polls while the campaign runs (the whole page without htmx)."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    return render_page(SHOW_PAGE, "status", **campaign_summary(campaign))
