"""What a request may carry: a size (small for forms, larger for file uploads), and no NUL in its address.

`MAX_CONTENT_LENGTH` bounds every request (a form is a few kilobytes; a preview of the longest
message a few more). A view that takes a file (the contact import) is marked with
`accepts_uploads` and gets `MAX_UPLOAD_LENGTH` instead. The limit is set before anything reads the
body (CSRF protection reads the form), so a too-big request is refused with 413 unread.

A NUL character in the query string (a search, a filter, a page cursor) is refused with 400 naming
the parameter, before any view could hand it to the database: PostgreSQL refuses text holding one,
which would be a 500. Form fields are checked by `PortalForm`, next to the field.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from werkzeug.exceptions import BadRequest


class NulInAddress(BadRequest):
    """A query parameter holds a NUL character; `advice` names it for the error page."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.advice = (
            f"The address holds an invisible NUL character in “{name}” (often from copying it out of "
            "another program). Type the search or address again."
        )


def accepts_uploads(view):
    """Mark a view that receives files: its requests may be up to MAX_UPLOAD_LENGTH."""
    view.accepts_uploads = True
    return view


def init_app(app: Flask) -> None:
    """The size limit goes before any other before-request function (CSRF protection reads the body);
    the NUL check after the account is set (its error page is a page of the account)."""
    app.before_request_funcs.setdefault(None, []).insert(0, _raise_limit_for_uploads)
    app.before_request(_refuse_nul_in_address)


def _raise_limit_for_uploads() -> None:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if getattr(view, "accepts_uploads", False):
        request.max_content_length = current_app.config["MAX_UPLOAD_LENGTH"]


def _refuse_nul_in_address() -> None:
    for name, value in request.args.items(multi=True):
        if "\x00" in name or "\x00" in value:
            raise NulInAddress(name.replace("\x00", "") or "?")
