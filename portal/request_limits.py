"""How big a request may be: small for forms, larger for the views that take file uploads.

`MAX_CONTENT_LENGTH` bounds every request (a form is a few kilobytes; a preview of the longest
message a few more). A view that takes a file (the contact import) is marked with
`accepts_uploads` and gets `MAX_UPLOAD_LENGTH` instead. The limit is set before anything reads the
body (CSRF protection reads the form), so a too-big request is refused with 413 unread.
"""

from __future__ import annotations

from flask import Flask, current_app, request


def accepts_uploads(view):
    """Mark a view that receives files: its requests may be up to MAX_UPLOAD_LENGTH."""
    view.accepts_uploads = True
    return view


def init_app(app: Flask) -> None:
    """Register before any other before-request function (CSRF protection reads the body)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit_for_uploads)


def _raise_limit_for_uploads() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "accepts_uploads", False):
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]
