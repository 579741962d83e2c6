"""`/api/smsApi/update`: SMSAPI's delivery reports, by GET (query string) or POST (form).

SMSAPI calls this once per report or batch, thousands of times a second for a big campaign, and the
requests need nothing of what Flask does for a page (session, sign-in, CSRF, templates, sign-in
limits). So this small WSGI application sits in front of Flask's and answers the callback path itself:
it reads the URL's account and secret and the report parameters, hands them to the process's
`CallbackBatcher`, and answers in plain text for SMSAPI: `OK`, or a reason with 400, 403, 405, 413
or 5xx. Every other path goes on to Flask.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http import HTTPStatus
from urllib.parse import parse_qsl

from flask import Flask
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import parse_form_data

from portal.callbacks.batching import CallbackBatcher
from portal.callbacks.service import NOT_STORED, Answer, CallbackRequest
from portal.security_headers import plain_text_headers
from portal.smsapi_account import CALLBACK_PATH

log = logging.getLogger(__name__)

#: The callback URL's own parameters, not part of any report.
URL_PARAMETERS = ("account", "secret")
METHODS = ("GET", "POST")
HEADERS = [
    ("Content-Type", "text/plain; charset=utf-8"),
    ("Cache-Control", "no-store"),
]


class CallbackEndpoint:
    """WSGI middleware: the callback path answered here, everything else by `wsgi_app`."""

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.batcher = CallbackBatcher(app)
        self.headers = [*HEADERS, *plain_text_headers(app.config["PUBLIC_BASE_URL"])]
        app.extensions["callback_batcher"] = self.batcher

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != CALLBACK_PATH:
            return self.wsgi_app(environ, start_response)
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in METHODS:
            answer, extra = Answer(405, "Use GET or POST."), [("Allow", ", ".join(METHODS))]
        else:
            answer, extra = self._answer(environ, method), []
        body = answer.text.encode()
        start_response(f"{answer.status} {HTTPStatus(answer.status).phrase}",
                       [*self.headers, ("Content-Length", str(len(body))), *extra])
        return [body]

    def _answer(self, environ: dict, method: str) -> Answer:
        try:
            request = self._read(environ, method)
        except RequestEntityTooLarge:
            return Answer(413, "The request is too large: send at most a few thousand reports at a time.")
        try:
            return self.batcher.answer(request)
        except Exception:
            log.exception("a callback request could not be answered")
            return NOT_STORED

    def _read(self, environ: dict, method: str) -> CallbackRequest:
        """The account, the secret and the report parameters of the query string and the form. A name
        given several times counts as one comma-separated list, like SMSAPI's batched form."""
        # WSGI gives the query string as latin-1 text of the raw bytes; SMSAPI sends UTF-8.
        query = environ.get("QUERY_STRING", "").encode("latin-1").decode("utf-8", "replace")
        pairs = parse_qsl(query, keep_blank_values=True, errors="replace")
        if method == "POST":
            _, form, _ = parse_form_data(environ, max_content_length=self.app.config["MAX_CONTENT_LENGTH"])
            pairs += form.items(multi=True)
        url: dict[str, str] = {}
        values: dict[str, list[str]] = {}
        for name, value in pairs:
            if name in URL_PARAMETERS:
                url.setdefault(name, value)
            else:
                values.setdefault(name, []).append(value)
        params = {name: ",".join(each) for name, each in values.items()}
        return CallbackRequest(url.get("account"), url.get("secret"), params)
