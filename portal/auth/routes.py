"""Sign-in and sign-out views, and the session's user loader."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_url, login_user, logout_user
from htmx_flask import make_response as htmx_response

from portal.audit import record_event
from portal.auth import bp, throttle
from portal.auth.forms import ChangePasswordForm, NewPasswordForm, SignInForm
from portal.auth.service import (
    PasswordError,
    authenticate,
    change_own_password,
    load_session_user,
    normalize_email,
    set_password,
    user_for_reset_token,
)
from portal.extensions import db, login_manager
from portal.tenancy import set_current_account

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

WRONG_CREDENTIALS = "That e-mail and password do not match an active account. Check both and try again."
#: The warning before the last failure a counter allows, by counter (see `throttle`).
LAST_ATTEMPT = {
    "email-address": "One more wrong attempt and signing in with this e-mail is paused for {wait}.",
    "email": "One more wrong attempt and signing in with this e-mail is paused for {wait}.",
    "address": "One more wrong attempt and signing in from this network address is paused for {wait}.",
}


@login_manager.user_loader
def _load_user(session_id: str):
    user, ended_because = load_session_user(session_id)
    g.session_ended_because = ended_because
    return user


def scope_request_to_signed_in_account() -> None:
    """Before every request: the signed-in user's account becomes the current account (none when
    signed out, so an account-scoped query of an anonymous request fails closed).

    Registered in `create_app` ahead of the CSRF check, so error pages of a signed-in user are
    scoped too.
    """
    if request.endpoint == "static":
        return  # files need no account, and loading the user for each would cost a query
    set_current_account(current_user.account_id if current_user.is_authenticated else None)


@login_manager.unauthorized_handler
def _sign_in_required():
    """Off to sign-in, then back, saying why when a session was ended (deactivated, signed out
    elsewhere). An htmx request gets `HX-Redirect`: a followed redirect would swap the sign-in page
    into the part of the page that asked. It comes back to the page, not to the fragment's address."""
    flash(g.get("session_ended_because") or login_manager.login_message, login_manager.login_message_category)
    if request.htmx:
        page = urlsplit(request.htmx.current_url or url_for("main.index"))
        back = page.path + (f"?{page.query}" if page.query else "")
        return htmx_response("", 401, redirect=login_url(login_manager.login_view, next_url=back))
    return redirect(login_url(login_manager.login_view, next_url=request.url))


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignInForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form), 422 if form.is_submitted() else 200
    email, address = normalize_email(form.email.data), request.remote_addr or "unknown"
    try:
        attempts = throttle.count_attempt(email, address)
    except throttle.SignInLocked as locked:
        return _locked(form, locked.retry_after)
    user = authenticate(email, form.password.data)
    if user is None:
        form.form_errors.append(WRONG_CREDENTIALS)
        if attempts.remaining == 1:
            wait = throttle.describe_wait(attempts.seconds_left)
            form.form_errors.append(LAST_ATTEMPT[attempts.counter].format(wait=wait))
        return render_template("auth/login.html", form=form), 401
    throttle.forgive_attempt(email, address)
    db.session.commit()
    # A new session at sign-in: nothing from before (a planted cookie, the CSRF secret) carries over.
    next_page = _safe_next(request.args.get("next"))
    session.clear()
    g.pop("csrf_token", None)
    login_user(user, remember=form.remember.data)
    set_current_account(user.account_id)
    return redirect(next_page)


def _locked(form: SignInForm, retry_after: int):
    wait = throttle.describe_wait(retry_after)
    form.form_errors.append(
        f"Too many failed sign-ins. For your account's safety, signing in is paused: try again in {wait}."
    )
    return render_template("auth/login.html", form=form), 429, {"Retry-After": str(retry_after)}


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Ends every session of the user, on every device, and the remember-me cookie with them."""
    current_user.end_sessions()
    db.session.commit()
    logout_user()
    session.clear()
    flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect, no header injection)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and target.isprintable()
        and target.isascii()
    ):
        return target
    return url_for("main.index")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """The signed-in user's new password; other sessions end, this one goes on."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            change_own_password(current_user, form.current.data, form.password.data)
        except PasswordError as error:
            form.current.errors.append(str(error))
        else:
            record_event(current_user.account_id, current_user, "user.password_changed",
                         f"{current_user.email} changed their password")
            db.session.commit()
            login_user(current_user._get_current_object())
            flash("Your password is changed. Other devices were signed out.", "success")
            return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form), 422 if form.is_submitted() else 200


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    """A one-time link an admin made: choose a new password, then sign in with it."""
    user = user_for_reset_token(token)
    if user is None:
        return render_template("auth/reset.html", form=None), 404
    form = NewPasswordForm()
    if form.validate_on_submit():
        set_password(user, form.password.data)
        record_event(user.account_id, None, "user.password_reset",
                     f"{user.email} set a new password with a reset link")
        db.session.commit()
        logout_user()
        session.clear()
        flash("Your new password is set: sign in with it.", "success")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form, email=user.email), status
