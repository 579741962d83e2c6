"""Turn HTTP errors into pages a person can act on (or a short fragment for htmx)."""

from __future__ import annotations

from flask import flash, render_template
from flask_wtf.csrf import CSRFError
from htmx_flask import make_response as htmx_response
from htmx_flask import request
from werkzeug.exceptions import HTTPException

from portal.errors import bp
from portal.extensions import db

MESSAGES = {
    400: ("Something in that request was not right", "Go back, reload the page and try again."),
    403: ("This page is for admins", "Ask an admin of your account if you need something changed here."),
    404: ("Page not found", "The page or item does not exist, or it belongs to another account."),
    405: ("That action is not available here", "Go back and use the buttons on the page."),
    413: ("That was more than the portal accepts", "The form or file sent was too large. Shorten the text "
          "or split the file into smaller ones, then send it again."),
    429: ("Too many attempts", "Wait a few minutes, then try again."),
    500: ("Something went wrong on our side", "Nothing you did caused this. Try again in a minute."),
}


def _render_error(status: int, detail: str | None = None):
    title, advice = MESSAGES.get(status, MESSAGES[500])
    return render_template("errors/error.html", status=status, title=title, advice=detail or advice), status


CSRF_ADVICE = "The form had expired or was sent from another site. Reload the page and send it again."


@bp.app_errorhandler(CSRFError)
def csrf_error(error: CSRFError):
    if request.htmx:
        # The page's token is stale (the session ended or changed): reload it for a fresh one.
        flash("Your page had expired, so that was not sent. It has been reloaded: try again.", "error")
        return htmx_response("", 400, refresh=True)
    return _render_error(400, CSRF_ADVICE)


@bp.app_errorhandler(429)
def too_many_requests(error: HTTPException):
    return _render_error(
        429, "Too many attempts in a short time. Wait a few minutes before you try again."
    )


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException):
    # Werkzeug's own descriptions are for developers; an exception of the portal's may carry advice.
    return _render_error(error.code or 500, getattr(error, "advice", None))


@bp.app_errorhandler(Exception)
def internal_error(error: Exception):
    # Flask logs the traceback; the session may be mid-transaction, so start clean.
    db.session.rollback()
    if isinstance(error, HTTPException):
        return http_error(error)
    from flask import current_app

    current_app.logger.exception("Unhandled error")
    return _render_error(500)
