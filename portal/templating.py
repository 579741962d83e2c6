"""What every template can use, and the one way a view answers a full page or an htmx fragment."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, Response, make_response, redirect, render_template
from htmx_flask import make_response as htmx_response
from htmx_flask import request
from jinja2_fragments.flask import render_block
from markupsafe import Markup

from portal.timezones import format_local


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.globals["is_htmx"] = is_htmx_fragment_request


def is_htmx_fragment_request() -> bool:
    """An htmx request that wants a fragment (a boosted link wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted


def render_page(template: str, block: str, status: int = 200, **context) -> Response:
    """The whole page, or for an htmx request only `block` of it: one source for both."""
    if is_htmx_fragment_request():
        html = render_block(template, block, **context)
    else:
        html = render_template(template, **context)
    response = make_response(html, status)
    response.vary.add("HX-Request")
    return response


def redirect_after_change(url: str) -> Response:
    """Back to a page after a change (post/redirect/get). An htmx request gets `HX-Redirect`, so the
    browser loads the page with its message instead of htmx swapping a followed redirect into the
    button that asked."""
    if request.htmx:
        return htmx_response("", 200, redirect=url)
    return redirect(url)


def confirmation_page(*, question: str, consequence: str, action: str, button: str, back: str) -> str:
    """The "are you sure?" page a destructive action shows without JavaScript (with it, the button's
    `hx-confirm` asks and posts directly); its form posts to `action`."""
    return render_template("_confirm.html", question=question, consequence=consequence, action=action,
                           button=button, back=back)


def localtime(value: datetime | None) -> Markup | str:
    """A stored (UTC) time in the signed-in account's zone, named: 2026-11-25 11:07 CET.

    The one way templates show a time; the <time> element keeps the exact instant and the zone.
    """
    if value is None:
        return "never"
    zone = account_timezone()
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        value.isoformat(), zone, format_local(value, zone)
    )


def account_timezone() -> str:
    """The signed-in account's zone; the default zone for pages seen signed out."""
    from flask_login import current_user

    from portal.models.accounts import DEFAULT_TIMEZONE

    return current_user.account.timezone if current_user.is_authenticated else DEFAULT_TIMEZONE
