"""Pytest fixtures: the SMSAPI simulator served over real HTTP, and a receiver for its callbacks.

`simulator_server` (session) serves one simulator on a free local port; `simulator` resets it for
each test and offers admin helpers; `callback_receiver` records the delivery reports it is sent;
`simulator_process` starts `python -m portal.simulator` as a real process (to kill, to load).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
import requests
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from portal.simulator import SimulatorConfig, create_app
from portal.sms.client import SmsapiClient

SIMULATOR_TOKEN = "sim-secret-token-4f2a9c1e7b"
SIMULATOR_USERNAME = "portal-test"
# Short enough to keep the suite fast, long enough for a client read timeout of 0.5 s to expire.
TEST_CONFIG = SimulatorConfig(
    token=SIMULATOR_TOKEN,
    username=SIMULATOR_USERNAME,
    callback_delay=0.05,
    callback_retry_delay=0.05,
    callback_timeout=2.0,
    timeout_seconds=1.0,
    seed=1234,
)
CLIENT_TIMEOUT = (1.0, 0.5)


def _serve(app: Any) -> tuple[BaseWSGIServer, str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, name="test-http-server", daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


@dataclass
class SimulatorServer:
    """The running simulator: its root URL (the `override_url` of clients) and its app."""

    url: str
    app: Any


@pytest.fixture(scope="session")
def simulator_server() -> Iterator[SimulatorServer]:
    """One simulator for the whole session, on a free port of 127.0.0.1."""
    app = create_app(TEST_CONFIG)
    server, url = _serve(app)
    yield SimulatorServer(url, app)
    server.shutdown()
    server.server_close()
    app.extensions["simulator"].close()


class SimulatorHelper:
    """What a test needs of the simulator: URLs, the token, ready clients and the admin endpoints."""

    def __init__(self, url: str, token: str = SIMULATOR_TOKEN, username: str = SIMULATOR_USERNAME) -> None:
        self.url = url
        self.token = token
        self.username = username
        self._http = requests.Session()
        self._clients: list[SmsapiClient] = []

    def base_url(self, host: str = "api.smsapi.pl") -> str:
        """The URL standing for one real SMSAPI host, as official clients take it."""
        return f"{self.url}/{host}/"

    def client(self, token: str | None = None, **options: Any) -> SmsapiClient:
        """An SmsapiClient aimed at the simulator, with short timeouts; closed after the test."""
        options.setdefault("timeout", CLIENT_TIMEOUT)
        client = SmsapiClient(token or self.token, override_url=self.url, **options)
        self._clients.append(client)
        return client

    def admin(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call an admin endpoint under `/_simulator/` and return its JSON."""
        response = self._http.request(method, f"{self.url}/_simulator/{path}", json=body, timeout=5)
        response.raise_for_status()
        return response.json()

    def reset(self, **changes: Any) -> None:
        """Forget everything, starting again from the test settings with `changes`."""
        self.admin("POST", "reset", changes)

    def configure(self, **changes: Any) -> None:
        """Change settings (e.g. `max_recipients=2`) and keep the state."""
        self.admin("POST", "config", changes)

    def faults(self, **faults: Any) -> None:
        """Set faults (e.g. `fail_rate=1, fault_hosts=["api.smsapi.pl"]`); the rest are switched off."""
        self.admin("POST", "faults", faults)

    def state(self) -> dict[str, Any]:
        """The admin overview."""
        return self.admin("GET", "state")

    def summary(self) -> dict[str, Any]:
        """Counts to check a run against: accepted, distinct/repeated idx, parts, points, reports."""
        return self.admin("GET", "summary")

    def messages(self, **filters: str) -> list[dict[str, Any]]:
        """Accepted messages, filtered by `idx`, `idx_prefix`, `host` or `username`."""
        query = "&".join(f"{key}={value}" for key, value in filters.items())
        return self.admin("GET", f"messages?{query}")["messages"]

    def callbacks(self) -> dict[str, Any]:
        """Callback counters and every attempt."""
        return self.admin("GET", "callbacks")

    def add_account(self, token: str, username: str, service: str = "pl", points: str = "100") -> None:
        """Another account, e.g. on another service."""
        self.admin("POST", "accounts", {"token": token, "username": username, "service": service,
                                        "points": points})

    def update_account(self, username: str | None = None, **changes: Any) -> dict[str, Any]:
        """Change `points` or `callback_url` of an account (by default the test account)."""
        return self.admin("POST", f"accounts/{username or self.username}", changes)

    def balance(self) -> Decimal:
        """The test account's points."""
        account = next(a for a in self.state()["accounts"] if a["username"] == self.username)
        return Decimal(account["points"])

    def decide_sender_name(self, name: str, *, approve: bool = True) -> dict[str, Any]:
        """Approve or reject a pending sender name of the test account."""
        decision = "approve" if approve else "reject"
        return self.admin("POST", f"accounts/{self.username}/sendernames/{name}/{decision}")

    def close(self) -> None:
        """Close every client this helper made."""
        for client in self._clients:
            client.close()
        self._http.close()


@pytest.fixture
def simulator(simulator_server: SimulatorServer) -> Iterator[SimulatorHelper]:
    """The session's simulator, reset to the test settings."""
    helper = SimulatorHelper(simulator_server.url)
    helper.reset()
    yield helper
    helper.close()


@dataclass
class ReceivedCallback:
    """One request the receiver got: method, path, flattened parameters (query or form), raw body."""

    method: str
    path: str
    params: dict[str, str]
    body: str
    headers: dict[str, str]


@dataclass
class CallbackReceiver:
    """A local endpoint answering `OK` (or the queued failures) and recording what it receives."""

    url: str = ""
    received: list[ReceivedCallback] = field(default_factory=list)
    answers: deque[tuple[int, str]] = field(default_factory=deque)
    _arrived: threading.Condition = field(default_factory=threading.Condition)

    def fail_next(self, count: int, status: int = 500, body: str = "ERROR") -> None:
        """Answer the next `count` requests with something other than `OK`."""
        self.answers.extend([(status, body)] * count)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[ReceivedCallback]:
        """Block until `count` requests arrived (or fail the test), then return all of them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while len(self.received) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(f"{len(self.received)} callbacks arrived, {count} expected")
                self._arrived.wait(left)
            return list(self.received)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data(as_text=True)  # read first: form parsing reuses the cached body
        received = ReceivedCallback(
            request.method, request.full_path, request.values.to_dict(), body, dict(request.headers)
        )
        with self._arrived:
            self.received.append(received)
            status, body = self.answers.popleft() if self.answers else (200, "OK")
            self._arrived.notify_all()
        return Response(body, status=status, mimetype="text/plain")(environ, start_response)


@pytest.fixture
def callback_receiver() -> Iterator[CallbackReceiver]:
    """A receiver for delivery callbacks on a free local port; its `url` goes into `notify_url`."""
    receiver = CallbackReceiver()
    server, url = _serve(receiver)
    receiver.url = f"{url}/dlr"
    yield receiver
    server.shutdown()
    server.server_close()


@dataclass
class SimulatorProcess:
    """A simulator running as its own process: its root URL, a helper for it, and the process."""

    url: str
    helper: SimulatorHelper
    process: subprocess.Popen
    log: Any

    def output(self) -> str:
        """What the process wrote so far (stdout and stderr)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")

    def stop(self) -> None:
        """Kill the process and its worker (SIGKILL: no goodbye, like a crashed gateway)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.helper.close()
        self.log.close()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_simulator_process(*flags: str, token: str = SIMULATOR_TOKEN, username: str = SIMULATOR_USERNAME,
                            startup_timeout: float = 20.0) -> SimulatorProcess:
    """`python -m portal.simulator` on a free port with `flags` (e.g. "--fail-rate", "0.1"), answering."""
    port = free_port()
    command = [sys.executable, "-m", "portal.simulator", "--port", str(port), "--token", token,
               "--username", username, *flags]
    log = tempfile.TemporaryFile()  # noqa: SIM115  (the process writes to it until it is killed)
    # Its own process group: gunicorn's worker is a child, and a SIGKILL must take both.
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,  # noqa: S603
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    while True:
        try:
            requests.get(f"{url}/_simulator/config", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if process.poll() is not None or time.monotonic() > deadline:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
                log.seek(0)
                pytest.fail(f"the simulator did not start: {log.read().decode(errors='replace')[-2000:]}")
            time.sleep(0.05)
    return SimulatorProcess(url, SimulatorHelper(url, token, username), process, log)


@pytest.fixture
def simulator_process() -> Iterator[Callable[..., SimulatorProcess]]:
    """A factory: `simulator_process("--latency", "0.03")` starts a simulator process; all are killed
    at the end of the test."""
    started: list[SimulatorProcess] = []

    def start(*flags: str, **options: Any) -> SimulatorProcess:
        running = start_simulator_process(*flags, **options)
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
