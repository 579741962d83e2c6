"""Security headers on every response, and no caching of signed-in pages.

The Content-Security-Policy allows only the portal's own scripts and styles: no inline script or
style anywhere. htmx 2 is configured (the `htmx-config` meta tag of the layout) not to inject its
indicator style and not to evaluate code, so it works under this policy.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request, session

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
HSTS = "max-age=31536000; includeSubDomains"
#: An answer in plain text (the SMSAPI callback) loads nothing and is framed by no one.
PLAIN_TEXT_POLICY = "default-src 'none'; frame-ancestors 'none'"


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config["PUBLIC_BASE_URL"].startswith("https://"):
        headers.setdefault("Strict-Transport-Security", HSTS)
    if _signed_in() and request.endpoint != "static":
        # A signed-in page must not be kept by the browser or a proxy (back button after sign-out).
        headers["Cache-Control"] = "no-store"
    return response


def plain_text_headers(public_base_url: str) -> list[tuple[str, str]]:
    """The same protections for an answer made in front of Flask, which `add_security_headers` never sees."""
    headers = [
        ("Content-Security-Policy", PLAIN_TEXT_POLICY),
        ("X-Content-Type-Options", "nosniff"),
        ("X-Frame-Options", "DENY"),
        ("Referrer-Policy", "same-origin"),
    ]
    if public_base_url.startswith("https://"):
        headers.append(("Strict-Transport-Security", HSTS))
    return headers


def _signed_in() -> bool:
    """Whether this request carried or started a signed-in session (without loading the user)."""
    return "_user_id" in session
