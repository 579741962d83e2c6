"""Campaign views: the list, the composer (new and edit) with its live preview, deletion."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from portal.campaigns import bp
from portal.campaigns.composer import account_lists, composer_state, message_errors
from portal.campaigns.forms import CampaignForm
from portal.campaigns.service import (
    MAX_MESSAGE_CHARACTERS,
    CampaignRuleError,
    ListCursor,
    StaleDraft,
    delete_campaign,
    list_campaigns,
    save_campaign,
)
from portal.campaigns.summary import campaign_summary, percent_done
from portal.extensions import db
from portal.models import Campaign, CampaignStatus
from portal.senders.service import names_of
from portal.sms.segments import replace_unicode
from portal.templating import (
    account_timezone,
    confirmation_page,
    is_htmx_fragment_request,
    redirect_after_change,
    render_page,
)
from portal.tenancy import get_scoped_or_404
from portal.timezones import format_local

COMPOSER = "campaigns/edit.html"


def _max_parts() -> int:
    return current_app.config["SMS_MAX_PARTS"]


@bp.route("/")
@login_required
def index():
    before = _cursor_arg()
    page = list_campaigns(current_user.account_id, _max_parts(), before)
    done = percent_done(current_user.account_id, [row.campaign for row in page.rows])
    return render_template("campaigns/index.html", page=page, done=done, paged=before is not None)


def _cursor_arg() -> ListCursor | None:
    """The page cursor in `before`: None when absent, 404 when it is not one (like an id that is not)."""
    value = request.args.get("before", "")
    if not value:
        return None
    try:
        return ListCursor.parse(value)
    except ValueError:
        abort(404)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    return _compose(None)


@bp.route("/<int:campaign_id>", methods=["GET", "POST"])
@login_required
def edit(campaign_id: int):
    """A draft opens in the composer; a launched campaign shows its summary and live progress."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if campaign.status == CampaignStatus.DRAFT:
        return _compose(campaign)
    if request.method == "POST":
        flash("This campaign has been launched: it can no longer be changed.", "error")
    status = 409 if request.method == "POST" else 200
    return render_page("campaigns/show.html", "content", status=status, **campaign_summary(campaign))


@bp.route("/<int:campaign_id>/delete", methods=["GET", "POST"])
@login_required
def delete(campaign_id: int):
    """GET asks for confirmation, POST deletes: works the same with and without JavaScript."""
    campaign = get_scoped_or_404(Campaign, campaign_id)
    if campaign.status != CampaignStatus.DRAFT:
        flash("Only drafts can be deleted: a launched campaign stays with its delivery history.", "error")
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    if request.method == "POST":
        name = campaign.name
        delete_campaign(campaign, current_user)
        db.session.commit()
        flash(f"Campaign “{name}” deleted.", "success")
        return redirect_after_change(url_for("campaigns.index"))
    return confirmation_page(
        question=f"Delete “{campaign.name}”?", consequence="The draft and its message are removed for good.",
        action=url_for("campaigns.delete", campaign_id=campaign.id), button="Delete campaign",
        back=url_for("campaigns.edit", campaign_id=campaign.id),
    )


def _compose(campaign: Campaign | None):
    """One view for the composer's answers: the page, a preview, the audience, replaced characters,
    a save.

    The form's `action` button says which; htmx sends `preview` while the user types and gets only
    the preview back, `audience` when a list is ticked (the summary, insert buttons and preview
    back), and `replace` to get the message field and preview back.
    """
    if campaign is not None and campaign.status != CampaignStatus.DRAFT:
        return redirect(url_for("campaigns.edit", campaign_id=campaign.id))
    form = CampaignForm(
        obj=campaign,
        sender=campaign.sender_name_id if campaign else None,
    )
    action = request.form.get("action", "save") if form.is_submitted() else "show"
    if action == "replace" and len(form.message.data or "") <= MAX_MESSAGE_CHARACTERS:
        form.message.data = replace_unicode(form.message.data or "")
    message, list_ids = form.message.data or "", form.list_ids.data or []
    composer = composer_state(current_user.account_id, list_ids, message, _max_parts(),
                              consent_only=bool(form.consent_only.data))
    if action == "preview" and is_htmx_fragment_request():
        return render_page(COMPOSER, "preview", **composer)
    if action == "audience" and is_htmx_fragment_request():
        return render_page(COMPOSER, ["audience", "personalise", "preview"], oob=True, **composer)
    if action in {"save", "review"} and form.validate():
        saved = _save(campaign, form)
        if saved is not None:
            flash(f"Draft “{saved.name}” saved.", "success")
            if action == "review":
                return redirect(url_for("campaigns.launch", campaign_id=saved.id))
            return redirect(url_for("campaigns.index"))
    active = names_of(current_user.account_id, active_only=True)
    form.offer_senders(active, campaign.sender_name if campaign else None)
    form.offer_lists(account_lists(current_user.account_id))
    form.preview_as_you_type(request.path)
    form.message.errors = message_errors(form.message.errors, composer["preview"])
    status = 422 if action in {"save", "review"} else 200
    block = "composer" if action == "replace" else "content"
    return render_page(COMPOSER, block, status=status, form=form, campaign=campaign, **composer)


def _save(campaign: Campaign | None, form: CampaignForm) -> Campaign | None:
    """Save through the service; a refused draft gets the reason on the field it concerns."""
    try:
        saved = save_campaign(
            campaign,
            account_id=current_user.account_id,
            by=current_user,
            name=form.name.data,
            sender_name_id=form.sender.data,
            message=form.message.data,
            list_ids=form.list_ids.data or [],
            consent_only=bool(form.consent_only.data),
            max_parts=_max_parts(),
            version=form.version.data,
        )
    except StaleDraft as stale:
        db.session.rollback()
        db.session.refresh(campaign)
        form.version.data, form.version.raw_data = campaign.version, None
        saved = format_local(campaign.updated_at, account_timezone())
        form.form_errors.append(
            f"{stale} Their version, saved {saved}: “{campaign.message}”. "
            "Your text is still in the box below: take what you need from theirs and save again."
        )
        return None
    except CampaignRuleError as refused:
        db.session.rollback()
        getattr(form, refused.field).errors.append(str(refused))
        return None
    db.session.commit()
    return saved
