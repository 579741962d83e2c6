"""What every template can use, and the one way a view answers a full page or an htmx fragment."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from flask import Flask, Response, make_response, redirect, render_template
from htmx_flask import make_response as htmx_response
from htmx_flask import request
from jinja2_fragments.flask import render_block, render_blocks
from markupsafe import Markup

from portal.timezones import format_local


def init_app(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = localtime
    app.jinja_env.filters["duration"] = format_duration
    app.jinja_env.filters["points"] = format_points
    app.jinja_env.globals["is_htmx"] = is_htmx_fragment_request


def is_htmx_fragment_request() -> bool:
    """An htmx request that wants a fragment (a boosted link wants the whole page)."""
    return bool(request.htmx) and not request.htmx.boosted


def render_page(template: str, block: str | list[str], status: int = 200, **context) -> Response:
    """The whole page, or for an htmx request only `block` of it (or several blocks, the ones after
    the first swapped out of band): one source for both."""
    if is_htmx_fragment_request():
        if isinstance(block, list):
            html = render_blocks(template, block, **context)
        else:
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


def confirmation_page(*, question: str, consequence: str, action: str, button: str, back: str,
                      hidden: Sequence[tuple[str, str]] = ()) -> str:
    """The "are you sure?" page a destructive action shows without JavaScript (with it, the button's
    `hx-confirm` asks and posts directly); its form posts `hidden` (name, value) pairs to `action`."""
    return render_template("_confirm.html", question=question, consequence=consequence, action=action,
                           button=button, back=back, hidden=hidden)


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


def format_duration(seconds: float | None) -> str:
    """A time span as people say it: '45 s', '3 min 20 s', '2 h 5 min'."""
    if seconds is None:
        return "unknown"
    seconds = max(0, round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


def format_points(value: Decimal | None) -> str:
    """SMSAPI points as people read them: '100.00', '0.16', or '0.0825' when the price has four
    decimals (SMSAPI prices parts to a ten-thousandth)."""
    if value is None:
        return "unknown"
    exponent = Decimal(value).normalize().as_tuple().exponent
    decimals = min(4, max(2, -exponent if isinstance(exponent, int) else 2))
    return f"{value:,.{decimals}f}"
