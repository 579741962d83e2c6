"""Browser fixtures: the portal served on a local port, and Debian's Chromium driven by Playwright.

Playwright's own browser download is never used: `CHROMIUM_PATH` or /usr/bin/chromium is.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from werkzeug.serving import make_server

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    for candidate in (os.environ.get("CHROMIUM_PATH"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and os.path.exists(candidate):
            return candidate
    raise RuntimeError(
        "The browser tests need Chromium: install the chromium package (`make test` does on Debian) "
        "or set CHROMIUM_PATH."
    )


@dataclass
class Served:
    url: str


@pytest.fixture
def portal_server(app) -> Iterator[Served]:
    """The test's app on a free local port, in a thread, for the browser to visit."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield Served(f"http://127.0.0.1:{server.server_port}")
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import expect, sync_playwright

    # Generous for a loaded 2-core CI machine; a passing test never waits for it.
    expect.set_options(timeout=10_000)
    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(browser, portal_server):
    """A page of the portal, served with its Content-Security-Policy: any violation fails the test."""
    context = browser.new_context(base_url=portal_server.url, viewport={"width": 1200, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    yield page
    context.close()
    assert violations == [], "the page broke its Content-Security-Policy"
