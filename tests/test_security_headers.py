"""Every route answers with the security headers; signed-in pages are never cached."""

import re

import pytest

from portal.extensions import db
from portal.models import Campaign
from portal.security_headers import CONTENT_SECURITY_POLICY

SKIP_PREFIXES = ("/static/",)


def _paths(app):
    """One concrete GET path per rule, ids filled with 1."""
    paths = set()
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.rule.startswith(SKIP_PREFIXES):
            continue
        path = re.sub(r"<(?:int|bigid):[^>]+>", "1", rule.rule)
        path = re.sub(r"<any\(([^,)]+)[^>]*>", r"\1", path)
        path = re.sub(r"<[^>]+>", "x", path)
        paths.add(path)
    return sorted(paths)


def _assert_security_headers(response, path):
    headers = response.headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, path
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path
    assert headers["Strict-Transport-Security"].startswith("max-age="), path


def test_every_route_signed_in_has_the_headers_and_no_store(app, admin_client, account):
    with app.app_context():
        db.session.add(Campaign(account_id=account.account_id, name="Spring", message="Hi"))
        db.session.commit()
    paths = _paths(app)
    assert "/campaigns/" in paths and "/login" in paths
    for path in paths:
        # Closed as a WSGI server closes it: a streamed answer (the CSV export) holds its request
        # context until then, and the next request would find it still pushed.
        with admin_client.get(path) as response:
            _assert_security_headers(response, path)
            assert response.headers["Cache-Control"] == "no-store", path


def test_every_route_signed_out_has_the_headers(app, client):
    for path in _paths(app):
        _assert_security_headers(client.get(path), path)


def test_static_files_have_the_headers_and_may_be_cached(admin_client):
    response = admin_client.get("/static/css/portal.css")
    _assert_security_headers(response, "static")
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_no_hsts_on_plain_http(app, client):
    app.config["PUBLIC_BASE_URL"] = "http://127.0.0.1:5000"
    assert "Strict-Transport-Security" not in client.get("/login").headers


@pytest.mark.parametrize("path", ["/login", "/campaigns/new", "/users/", "/settings/", "/senders/"])
def test_pages_have_no_inline_script_or_style(app, admin_client, path):
    browser = app.test_client() if path == "/login" else admin_client
    page = browser.get(path).data.decode()
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page) is None
    assert "<style" not in page
    assert not re.search(r"\sstyle=", page)
    assert not re.search(r"\son[a-z]+=", page)
    assert '"includeIndicatorStyles":false' in page
