"""Secrets never reach gunicorn's access log (the log of `flask serve` and production): the callback's
secret and a password-reset link's token."""

import os
import socket
import subprocess
import time
from pathlib import Path

import requests

from portal import PROJECT_ROOT
from portal.access_log import redact


def test_redact_hides_secret_values_and_keeps_the_rest():
    line = "GET /api/smsApi/update?account=7&secret=s3cr3t-value&MsgId=1 HTTP/1.1"
    assert redact(line) == "GET /api/smsApi/update?account=7&secret=[redacted]&MsgId=1 HTTP/1.1"
    assert redact("SECRET=abc") == "SECRET=[redacted]"
    assert redact("/campaigns/?secretive=1") == "/campaigns/?secretive=1"


def test_redact_hides_a_password_reset_token_in_the_path():
    assert redact("GET /reset/Ab_c-9.x HTTP/1.1") == "GET /reset/[redacted] HTTP/1.1"
    assert redact("https://portal.example.com/reset/Ab_c-9.x?next=/") == (
        "https://portal.example.com/reset/[redacted]?next=/")
    assert redact("/resets/1") == "/resets/1"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_gunicorn_access_log_has_no_callback_secret_and_no_reset_token(tmp_path, redis_url):
    """A real gunicorn with the command line of `flask serve`: the secret is not in its access log."""
    from portal.runner import _commands

    port = _free_port()
    command = _commands("127.0.0.1", port)["web"]
    command[command.index("--access-logfile") + 1] = str(tmp_path / "access.log")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.db'}", "REDIS_URL": redis_url,
           "SECRET_KEY": "test", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}
    web = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/api/smsApi/update",
                             params={"account": "1", "secret": "never-log-this-42", "MsgId": "1"}, timeout=20)
                break
            except (requests.ConnectionError, requests.Timeout):
                assert time.monotonic() < deadline, "gunicorn did not start"
                time.sleep(0.3)
        requests.get(f"http://127.0.0.1:{port}/reset/never-log-this-43", timeout=20)
        log = Path(tmp_path / "access.log")
        while "/reset/" not in (log.read_text() if log.exists() else ""):
            assert time.monotonic() < deadline
            time.sleep(0.2)
    finally:
        web.terminate()
        web.wait(timeout=15)
    text = log.read_text()
    assert "never-log-this-42" not in text and "never-log-this-43" not in text
    assert "secret=[redacted]" in text and "/reset/[redacted]" in text
