"""User management views (admins only)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from portal.audit import record_event
from portal.auth.decorators import admin_required
from portal.auth.service import make_reset_token
from portal.extensions import db
from portal.models import Role, User
from portal.templating import confirmation_page, is_htmx_fragment_request, render_page
from portal.tenancy import get_scoped_or_404
from portal.users import bp
from portal.users.forms import NewUserForm, RoleForm
from portal.users.service import UserRuleError, add_user, change_role, refusals_for, set_active

DEACTIVATE_CONSEQUENCE = "They are signed out and cannot sign in until an admin reactivates them."


def _users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.email)))


@bp.route("/")
@admin_required
def index():
    users = _users()
    return render_template(
        "users/index.html", users=users, role_form=RoleForm(), refusals=refusals_for(users, current_user)
    )


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = NewUserForm()
    if form.validate_on_submit():
        try:
            user = add_user(current_user.account_id, current_user, form.email.data, Role(form.role.data),
                            form.password.data)
        except UserRuleError as error:
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            flash(f"{user.email} can now sign in.", "success")
            return redirect(url_for("users.index"))
    status = 422 if form.is_submitted() else 200
    return render_template("users/new.html", form=form), status


@bp.route("/<int:user_id>/role", methods=["POST"])
@admin_required
def update_role(user_id: int):
    user = get_scoped_or_404(User, user_id)
    form = RoleForm()
    error = None
    if form.validate_on_submit():
        try:
            change_role(user, Role(form.role.data), current_user)
            db.session.commit()
        except UserRuleError as rule:
            error = str(rule)
    else:
        error = "Choose a role from the list."
    return _row_or_redirect(user, error)


@bp.route("/<int:user_id>/reset-link", methods=["POST"])
@admin_required
def reset_link(user_id: int):
    """A one-time link for the user to choose a new password; shown here, as the portal sends no mail."""
    user = get_scoped_or_404(User, user_id)
    if not user.active:
        flash(f"{user.email} is deactivated: reactivate them first.", "error")
        return redirect(url_for("users.index"))
    link = url_for("auth.reset_password", token=make_reset_token(user), _external=False)
    record_event(user.account_id, current_user, "user.reset_link_made",
                 f"{current_user.email} made a password-reset link for {user.email}")
    db.session.commit()
    return render_template("users/reset_link.html", user=user,
                           link=current_app.config["PUBLIC_BASE_URL"] + link)


@bp.route("/<int:user_id>/<any(activate, deactivate):action>", methods=["GET", "POST"])
@admin_required
def update_active(user_id: int, action: str):
    """GET asks before deactivating (without JavaScript; with it, the button's hx-confirm asks)."""
    user = get_scoped_or_404(User, user_id)
    if request.method == "GET":
        if action != "deactivate" or not user.active:
            return redirect(url_for("users.index"))
        return confirmation_page(
            question=f"Deactivate {user.email}?", consequence=DEACTIVATE_CONSEQUENCE,
            action=url_for("users.update_active", user_id=user.id, action=action), button="Deactivate",
            back=url_for("users.index"),
        )
    error = None
    try:
        set_active(user, action == "activate", current_user)
        db.session.commit()
    except UserRuleError as rule:
        error = str(rule)
    return _row_or_redirect(user, error)


def _row_or_redirect(user: User, error: str | None):
    """htmx swaps the changed row in place; a plain form post goes back to the list."""
    if is_htmx_fragment_request():
        db.session.refresh(user)
        return render_page(
            "users/index.html", "user_row", status=422 if error else 200,
            user=user, row_error=error, role_form=RoleForm(), refusals=refusals_for([user], current_user),
        )
    flash(error or f"{user.email} updated.", "error" if error else "success")
    return redirect(url_for("users.index"))
