"""Sign-in and sign-out views, and the session's user loader."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_url, login_user, logout_user
from htmx_flask import make_response as htmx_response

from portal.auth import bp
from portal.auth.forms import SignInForm
from portal.auth.service import authenticate, load_active_user, normalize_email
from portal.extensions import db, limiter, login_manager
from portal.tenancy import set_current_account

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.login_message_category = "info"

WRONG_CREDENTIALS = "That e-mail and password do not match an active account. Check both and try again."


@login_manager.user_loader
def _load_user(user_id: str):
    return load_active_user(user_id)


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
    """Off to sign-in, then back. An htmx request gets `HX-Redirect`: a followed redirect would swap
    the sign-in page into the part of the page that asked. It comes back to the page, not to the
    fragment's address."""
    flash(login_manager.login_message, login_manager.login_message_category)
    if request.htmx:
        page = urlsplit(request.htmx.current_url or url_for("main.index"))
        back = page.path + (f"?{page.query}" if page.query else "")
        return htmx_response("", 401, redirect=login_url(login_manager.login_view, next_url=back))
    return redirect(login_url(login_manager.login_view, next_url=request.url))


def _submitted_email() -> str:
    return "login-email:" + normalize_email(request.form.get("email", ""))


def _sign_in_failed(response) -> bool:
    return bool(g.get("sign_in_failed"))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_EMAIL"],
    key_func=_submitted_email,
    methods=["POST"],
    deduct_when=_sign_in_failed,
    scope="sign-in-per-email",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"],
    methods=["POST"],
    deduct_when=_sign_in_failed,
    scope="sign-in-per-address",
)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = SignInForm()
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            login_user(user, remember=form.remember.data)
            set_current_account(user.account_id)
            return redirect(_safe_next(request.args.get("next")))
        g.sign_in_failed = True
        form.form_errors.append(WRONG_CREDENTIALS)
        return render_template("auth/login.html", form=form), 401
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    flash("You have been signed out.", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only same-site paths are followed after sign-in (no open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("main.index")
