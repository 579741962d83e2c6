"""Sender-name views: everyone sees the active names, admins register, check, choose and delete."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_login import current_user, login_required

from portal.auth.decorators import admin_required
from portal.extensions import db
from portal.models import SenderName
from portal.senders import bp
from portal.senders.forms import AddSenderForm
from portal.senders.service import (
    SenderNameError,
    delete_sender_name,
    describe_changes,
    dismiss_notices,
    drafts_by_sender,
    fallback_sender,
    history_of,
    make_default,
    names_of,
    notices_for,
    register_sender_name,
    sync_sender_names,
)
from portal.templating import confirmation_page, is_htmx_fragment_request, redirect_after_change, render_page
from portal.tenancy import get_scoped_or_404

DELETE_CONSEQUENCE = "It is removed at SMSAPI too; using it again needs a new approval."


@bp.app_context_processor
def sender_notices() -> dict:
    """Approvals and rejections an admin has not seen yet, for the notices of full pages."""
    if not current_user.is_authenticated or is_htmx_fragment_request():
        return {}
    return {"sender_notices": notices_for(current_user)}


@bp.route("/")
@login_required
def index():
    return _page()


@bp.route("/", methods=["POST"])
@admin_required
def add():
    form = AddSenderForm()
    if form.validate_on_submit():
        try:
            sender = register_sender_name(current_user.account_id, current_user, form.name.data)
        except SenderNameError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{sender.name} was sent to SMSAPI for approval; it can be used once active.", "success")
            return redirect(url_for("senders.index"))
    return _page(add_form=form, status=422)


@bp.route("/check", methods=["POST"])
@admin_required
def check():
    """Reads every status from SMSAPI now; htmx swaps the list in place."""
    error, message = None, None
    try:
        result = sync_sender_names(current_user.account_id)
        db.session.commit()
        message = describe_changes(result)
    except SenderNameError as problem:
        error = str(problem)
    if not is_htmx_fragment_request():
        flash(error or message, "error" if error else "success")
        return redirect(url_for("senders.index"))
    return _page(block="names", list_error=error, list_message=message, status=422 if error else 200)


@bp.route("/<int:sender_id>/default", methods=["POST"])
@admin_required
def default(sender_id: int):
    sender = get_scoped_or_404(SenderName, sender_id)
    return _act(
        lambda: make_default(sender, current_user),
        lambda default: f"{sender.name} is now the default sender." if default == sender.name
        else f"SMSAPI reports {default or 'its own default'} as the default sender; the portal shows that.",
    )


@bp.route("/<int:sender_id>/delete", methods=["GET", "POST"])
@admin_required
def delete(sender_id: int):
    """GET asks first (without JavaScript; with it, the button's hx-confirm asks), POST deletes."""
    sender = get_scoped_or_404(SenderName, sender_id)
    fallback = fallback_sender(sender.account_id)
    if request.method == "GET":
        using = drafts_by_sender(sender.account_id).get(sender.id, [])
        moving = f" {_drafts(using)} will send from {fallback} instead." if using else ""
        return confirmation_page(
            question=f"Delete {sender.name}?", consequence=DELETE_CONSEQUENCE + moving,
            action=url_for("senders.delete", sender_id=sender.id), button="Delete",
            back=url_for("senders.index"),
        )

    def deleted(moved: list[str]) -> str:
        if not moved:
            return f"{sender.name} was deleted."
        verb = "sends" if len(moved) == 1 else "send"
        return f"{sender.name} was deleted. {_drafts(moved)} now {verb} from {fallback} instead."

    return _act(lambda: delete_sender_name(sender, current_user), deleted)


@bp.route("/notices/dismiss", methods=["POST"])
@login_required
def dismiss():
    dismiss_notices(current_user)
    db.session.commit()
    if is_htmx_fragment_request():
        return ""
    return redirect(url_for("senders.index"))


def _act(change, success):
    """Run one change; the outcome comes back as a message on the page (post/redirect/get).

    `success` is the message, or a function of what the change returned.
    """
    try:
        outcome = change()
    except SenderNameError as error:
        flash(str(error), "error")
    else:
        db.session.commit()
        flash(success(outcome) if callable(success) else success, "success")
    return redirect_after_change(url_for("senders.index"))


def _drafts(names: list[str]) -> str:
    """The draft “Spring sale”, or the drafts “Spring sale”, “Winter sale”."""
    listed = ", ".join(f"“{name}”" for name in names)
    return f"The draft {listed}" if len(names) == 1 else f"The drafts {listed}"


def _page(*, block: str = "content", add_form: AddSenderForm | None = None, status: int = 200, **context):
    account_id = current_user.account_id
    names = names_of(account_id, active_only=not current_user.is_admin)
    admin = current_user.is_admin
    return render_page(
        "senders/index.html", block, status=status, names=names,
        history=history_of(names) if admin else {},
        drafts=drafts_by_sender(account_id) if admin else {},
        fallback=fallback_sender(account_id) if admin else None,
        add_form=add_form or AddSenderForm(), **context,
    )
