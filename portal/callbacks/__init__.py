"""SMSAPI calls the portal here with delivery reports: no session, no CSRF; the URL's secret is the
proof. `endpoint` reads the requests in front of Flask, `batching` gathers the requests of one
process that arrive together, and `service` answers them with one transaction for all."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Serve the callback path in front of the Flask application (see `endpoint`)."""
    from portal.callbacks.endpoint import CallbackEndpoint

    app.wsgi_app = CallbackEndpoint(app, app.wsgi_app)
