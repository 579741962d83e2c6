"""The SMS portal: SMS campaigns through SMSAPI, tracked until every message is delivered.

`portal.sms` must stay importable without Flask, so this module imports the web stack only
inside `create_app`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the portal: settings from the environment, overridden by `test_config`."""
    from flask import Flask

    from portal import callbacks, cli, ids, queue, request_limits, security_headers, templating
    from portal.config import load_config

    app = Flask(
        __name__,
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
        instance_path=(test_config or {}).get("INSTANCE_PATH") or str(PROJECT_ROOT / "instance"),
    )
    app.config.update(load_config(app.instance_path))
    if test_config:
        app.config.update(test_config)
    queue.init_app(app)
    ids.init_app(app)
    _init_extensions(app)
    request_limits.init_app(app)
    security_headers.init_app(app)
    _register_blueprints(app)
    callbacks.init_app(app)
    _trust_reverse_proxies(app)
    cli.init_app(app)
    templating.init_app(app)
    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def _init_extensions(app: Flask) -> None:
    from portal import models, queue, tenancy  # noqa: F401  (the models' metadata; the account scoping)
    from portal.extensions import csrf, db, htmx, limiter, login_manager, migrate

    db.init_app(app)
    _scope_requests_to_account(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    if app.config.get("EMBEDDED_REDIS"):
        app.before_request(queue.ensure_embedded_redis)


def _scope_requests_to_account(app: Flask) -> None:
    """The account is set before any other request hook (the CSRF check among them) can query."""
    from portal.auth.routes import scope_request_to_signed_in_account

    app.before_request(scope_request_to_signed_in_account)


def _trust_reverse_proxies(app: Flask) -> None:
    """Behind PROXY_COUNT proxies, the client's address (sign-in limits) and the scheme come from
    their X-Forwarded-* headers; with none, those headers are ignored (anyone could send them)."""
    count = app.config.get("PROXY_COUNT", 0)
    if count:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)


def _register_blueprints(app: Flask) -> None:
    from portal.auth import bp as auth_bp
    from portal.campaigns import bp as campaigns_bp
    from portal.contacts import bp as contacts_bp
    from portal.errors import bp as errors_bp
    from portal.main import bp as main_bp
    from portal.reports import bp as reports_bp
    from portal.senders import bp as senders_bp
    from portal.settings import bp as settings_bp
    from portal.users import bp as users_bp

    for blueprint in (
        errors_bp, auth_bp, main_bp, campaigns_bp, reports_bp, contacts_bp, senders_bp,
        settings_bp, users_bp,
    ):
        app.register_blueprint(blueprint)
