"""Settings -> SMS views (admins): each change is one service call, then back to the page."""

from __future__ import annotations

from flask import current_app, flash, redirect, request, url_for
from flask_login import current_user
from wtforms import SelectChoice

from portal.audit import recent_events
from portal.auth.decorators import admin_required
from portal.contacts.phones import calling_code, supported_countries
from portal.extensions import db
from portal.models import SenderName, utcnow
from portal.senders import service as senders
from portal.settings import bp
from portal.settings.forms import (
    ConnectForm,
    CountryForm,
    DefaultSenderForm,
    GoLiveForm,
    RegenerateSecretForm,
    TimezoneForm,
    UsernameCheckForm,
)
from portal.settings.service import (
    SettingsError,
    check_connection,
    connect_token,
    disconnect,
    regenerate_callback_secret,
    set_callback_username_check,
    set_default_country,
    set_test_mode,
    set_timezone,
)
from portal.sms.services import get_service
from portal.smsapi_account import callback_host_out_of_reach, callback_url, sends_in_test_mode, settings_for
from portal.templating import confirmation_page, is_htmx_fragment_request, redirect_after_change, render_page
from portal.tenancy import get_scoped_or_404
from portal.timezones import COMMON_ZONES, selectable_zones, zone_label

DISCONNECT_CONSEQUENCE = (
    "The token is deleted from the portal and nothing can be sent until a token is connected again."
)


@bp.app_context_processor
def test_mode_banner() -> dict:
    """The test-mode banner is on every page of an account that sends in test mode."""
    if not current_user.is_authenticated:
        return {"sms_test_mode": False}
    return {"sms_test_mode": sends_in_test_mode(current_user.account_id)}


@bp.route("/")
@admin_required
def index():
    return _page()


@bp.route("/connection", methods=["POST"])
@admin_required
def connect():
    form = ConnectForm()
    if form.validate_on_submit():
        try:
            settings = connect_token(
                current_user.account_id, current_user, form.service.data, form.token.data
            )
        except SettingsError as error:
            form.token.errors.append(str(error))
        else:
            db.session.commit()
            service = get_service(settings.service).display_name
            flash(f"Connected to {service} as {settings.smsapi_username}.", "success")
            return redirect(url_for("settings.index"))
    return _page(connect_form=form, status=422)


@bp.route("/connection/check", methods=["POST"])
@admin_required
def check():
    """Refreshes username and balance; htmx swaps the connection card in place, saying what changed."""
    error = outcome = None
    try:
        changes = check_connection(current_user.account_id)
        db.session.commit()
    except SettingsError as problem:
        error = str(problem)
    else:
        outcome = "Checked just now, nothing changed."
        if changes:
            outcome = f"Checked just now: {'; '.join(changes)}."
    if not is_htmx_fragment_request():
        return _done(error, "#connection", outcome)
    status = 422 if error else 200
    return _page(block="connection", connection_error=error, check_outcome=outcome, status=status)


@bp.route("/connection/remove", methods=["GET", "POST"])
@admin_required
def remove():
    """GET asks first (without JavaScript; with it, the button's hx-confirm asks), POST disconnects."""
    if request.method == "GET":
        return confirmation_page(
            question="Disconnect SMSAPI?", consequence=DISCONNECT_CONSEQUENCE,
            action=url_for("settings.remove"), button="Disconnect", back=url_for("settings.index"),
        )
    disconnect(current_user.account_id, current_user)
    db.session.commit()
    flash("SMSAPI is disconnected and the token is deleted from the portal.", "success")
    return redirect_after_change(url_for("settings.index"))


@bp.route("/test-mode/<any(on, off):mode>", methods=["POST"])
@admin_required
def test_mode(mode: str):
    form = GoLiveForm()
    try:
        set_test_mode(current_user.account_id, current_user, mode == "on", confirmed=form.confirm.data)
    except SettingsError as error:
        form.confirm.errors = [str(error)]
        return _page(go_live_form=form, status=422)
    db.session.commit()
    return _done(None, "#test-mode", "Test mode is on." if mode == "on" else "Live sending is on.")


@bp.route("/default-sender", methods=["POST"])
@admin_required
def default_sender():
    form = _default_sender_form()
    if not form.validate_on_submit():
        form.sender.errors = ["Choose a default sender from the list."]
        return _page(default_form=form, status=422)
    try:
        if form.sender.data:
            senders.make_default(get_scoped_or_404(SenderName, int(form.sender.data)), current_user)
        else:
            senders.use_smsapi_default(current_user.account_id, current_user)
    except senders.SenderNameError as error:
        form.sender.errors = [str(error)]
        return _page(default_form=form, status=422)
    db.session.commit()
    return _done(None, "#default-sender", "Default sender saved.")


@bp.route("/callback-secret", methods=["POST"])
@admin_required
def callback_secret():
    form = RegenerateSecretForm()
    if not form.validate_on_submit():
        return _page(regenerate_form=form, status=422)
    regenerate_callback_secret(current_user.account_id, current_user)
    db.session.commit()
    return _done(None, "#callback", "New callback URL made: paste it in SMSAPI now. "
                 "The previous one keeps working for 72 hours.")


@bp.route("/callback-username-check", methods=["POST"])
@admin_required
def callback_username_check():
    form = UsernameCheckForm()
    if form.validate_on_submit():
        try:
            set_callback_username_check(current_user.account_id, current_user, form.enabled.data)
        except SettingsError as error:
            form.enabled.errors = [str(error)]
        else:
            db.session.commit()
            return _done(None, "#callback", "Saved.")
    return _page(username_check_form=form, status=422)


@bp.route("/timezone", methods=["POST"])
@admin_required
def timezone():
    form = _timezone_form()
    if form.validate_on_submit():
        try:
            set_timezone(current_user.account_id, current_user, form.timezone.data)
        except SettingsError as error:
            form.timezone.errors = [str(error)]
        else:
            db.session.commit()
            return _done(None, "#time-zone", f"Times are now shown in {form.timezone.data}.")
    elif form.timezone.errors:
        form.timezone.errors = ["Choose a time zone from the list."]
    return _page(timezone_form=form, status=422)


def _timezone_form() -> TimezoneForm:
    form = TimezoneForm()
    form.timezone.choices = {
        "Common": [(name, zone_label(name)) for name in COMMON_ZONES],
        "All time zones": [(name, zone_label(name)) for name in selectable_zones()[len(COMMON_ZONES):]],
    }
    return form


@bp.route("/country", methods=["POST"])
@admin_required
def default_country():
    form = _country_form()
    if form.validate_on_submit():
        try:
            set_default_country(current_user.account_id, current_user, form.country.data)
        except SettingsError as error:
            form.country.errors = [str(error)]
        else:
            db.session.commit()
            return _done(None, "#phone-numbers", "Default country saved.")
    else:
        form.country.errors = ["Choose a country from the list."]
    return _page(country_form=form, status=422)


def _country_form() -> CountryForm:
    form = CountryForm()
    form.country.choices = [
        SelectChoice(code, f"{code} (+{calling_code(code)})") for code in supported_countries()
    ]
    return form


def _default_sender_form(active: list[SenderName] | None = None) -> DefaultSenderForm:
    """The picker of active names; `active` when the caller has them already."""
    form = DefaultSenderForm()
    if active is None:
        active = senders.names_of(current_user.account_id, active_only=True)
    _offer_active_names(form, active)
    return form


def _offer_active_names(form: DefaultSenderForm, active: list[SenderName]) -> None:
    form.sender.choices = [SelectChoice("", "SMSAPI's account default")] + [
        SelectChoice(str(sender.id), sender.name) for sender in active
    ]


def _current_timezone_form() -> TimezoneForm:
    form = _timezone_form()
    form.timezone.data = current_user.account.timezone
    return form


def _done(error: str | None, anchor: str, success: str | None = None):
    """Back to the page (post/redirect/get) with the outcome as a message."""
    flash(error or success, "error" if error else "success")
    return redirect_after_change(url_for("settings.index") + anchor)


def _page(*, block: str = "content", status: int = 200, **forms_and_context):
    """The page; a form passed in (with its errors) replaces the fresh one, so errors sit by their field."""
    account_id = current_user.account_id
    settings = settings_for(account_id)
    active = senders.names_of(account_id, active_only=True)
    default_form = forms_and_context.pop("default_form", None)
    if default_form is None:
        default_form = _default_sender_form(active)
        default = next((s for s in active if s.is_default), None)
        default_form.sender.data = str(default.id) if default else ""
    else:
        _offer_active_names(default_form, active)
    country_form = forms_and_context.pop("country_form", None)
    if country_form is None:
        country_form = _country_form()
        country_form.country.data = current_user.account.default_country
    return render_page(
        "settings/index.html", block, status=status,
        settings=settings, service_name=get_service(settings.service).display_name,
        callback_url=(url := callback_url(settings)), callback_out_of_reach=callback_host_out_of_reach(url),
        uses_simulator=bool(current_app.config["SMSAPI_API_URL"]),
        connect_form=forms_and_context.pop("connect_form", None) or ConnectForm(service=settings.service),
        go_live_form=forms_and_context.pop("go_live_form", None) or GoLiveForm(),
        regenerate_form=forms_and_context.pop("regenerate_form", None) or RegenerateSecretForm(),
        timezone_form=forms_and_context.pop("timezone_form", None) or _current_timezone_form(),
        country_form=country_form,
        username_check_form=forms_and_context.pop("username_check_form", None)
        or UsernameCheckForm(enabled=settings.check_callback_username),
        now=utcnow(),
        default_form=default_form,
        # Settings changes, and default-sender changes made here or on the sender-names page.
        events=recent_events(account_id, prefix=("settings.", "sender.default")),
        **forms_and_context,
    )

