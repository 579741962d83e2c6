"""`flask serve`: web, worker and scheduler as child processes, kept running until Ctrl-C.

A child that dies is started again after a pause that doubles with each quick failure (1 s up to
30 s), so one crash does not stop the portal and a crash loop does not spin. On the embedded
default this process also owns the embedded Redis, hands its address to the children, and starts
it again the same way when it stops answering. Only Ctrl-C (SIGINT) or SIGTERM stops everything.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field

from flask import Flask

from portal import PROJECT_ROOT, embedded_redis

FIRST_BACKOFF, MAX_BACKOFF = 1.0, 30.0
#: A child that ran this long before dying is restarted after the first, short pause again.
STABLE_AFTER = 60.0


@dataclass
class Backoff:
    """When a stopped thing may start again: the pause doubles while it keeps failing quickly."""

    delay: float = FIRST_BACKOFF
    started_at: float = field(default_factory=time.monotonic)
    retry_at: float | None = None

    def failed(self) -> float:
        if time.monotonic() - self.started_at > STABLE_AFTER:
            self.delay = FIRST_BACKOFF
        pause, self.delay = self.delay, min(self.delay * 2, MAX_BACKOFF)
        self.retry_at = time.monotonic() + pause
        return pause

    def due(self) -> bool:
        return self.retry_at is not None and time.monotonic() >= self.retry_at

    def restarted(self) -> None:
        self.started_at, self.retry_at = time.monotonic(), None


def run_all(app: Flask, *, host: str, port: int, simulator_port: int | None = None) -> None:
    """Start every process and keep them running until Ctrl-C / SIGTERM.

    With `simulator_port`, the SMSAPI simulator starts first, every child is pointed at it and the
    demo account is connected to it (`make demo`).
    """
    refuse_a_taken_port(host, port)
    env = dict(os.environ)
    # The callback URL shown in Settings must name the address this portal really serves on.
    env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    redis = _EmbeddedRedis(app.instance_path) if app.config.get("EMBEDDED_REDIS") else None
    if redis is not None:
        env["REDIS_URL"] = embedded_redis.url(app.instance_path)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    commands = _commands(host, port)
    children: dict[str, subprocess.Popen] = {}
    backoffs = {name: Backoff() for name in [*commands, "simulator"]}
    try:
        if simulator_port is not None:
            from portal import demo

            children["simulator"] = _start_demo_simulator(env, simulator_port)
            commands = {"simulator": demo.simulator_command("127.0.0.1", simulator_port), **commands}
        for name, command in commands.items():
            if name not in children:
                children[name] = _start(name, command, env)
        names = ", ".join(children)
        print(f"Portal running on http://{host}:{port} ({names}). Ctrl-C stops all.", flush=True)
        while not stopping:
            if redis is not None:
                redis.keep_running()
            for name, child in children.items():
                _keep_running(name, child, commands[name], env, children, backoffs[name])
            time.sleep(0.5)
    finally:
        _terminate(children.values())
        if redis is not None:
            redis.shutdown()


def refuse_a_taken_port(host: str, port: int) -> None:
    """Stop with a clear reason when something listens on the port already. The web workers listen
    with SO_REUSEPORT (gunicorn.conf.py), so a second portal would otherwise share the port."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a closed connection's wait is no user
        try:
            probe.bind((host, port))
        except OSError as error:
            raise SystemExit(f"Port {port} on {host} is in use ({error.strerror}): is the portal already "
                             "running? Stop it, or choose another --port.") from None


def _start(name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
    child = subprocess.Popen(command, env=env)  # noqa: S603
    print(f"Started {name} (pid {child.pid}).", flush=True)
    return child


def _keep_running(name, child, command, env, children, backoff: Backoff) -> None:
    if child.poll() is None:
        return
    if backoff.retry_at is None:
        pause = backoff.failed()
        print(f"The {name} process stopped (exit {child.returncode}); starting it again in {pause:.0f} s.",
              flush=True)
    elif backoff.due():
        children[name] = _start(name, command, env)
        backoff.restarted()


class _EmbeddedRedis:
    """The embedded Redis of `flask serve`, started again (with backoff) when it stops answering."""

    def __init__(self, instance_path: str) -> None:
        self.instance_path = instance_path
        self.server = embedded_redis.start(instance_path)
        self.backoff = Backoff()
        self.checked_at = time.monotonic()

    def keep_running(self) -> None:
        if self.backoff.retry_at is None:
            if time.monotonic() - self.checked_at < 2:
                return
            self.checked_at = time.monotonic()
            try:
                self.server.ping()
                return
            except Exception as error:  # noqa: BLE001 - any failure means it must be started again
                pause = self.backoff.failed()
                print(f"The embedded Redis stopped answering ({type(error).__name__}); starting it again "
                      f"in {pause:.0f} s.", flush=True)
                return
        if self.backoff.due():
            try:
                self.server = embedded_redis.start(self.instance_path)
            except Exception as error:  # noqa: BLE001 - try again after a longer pause
                pause = self.backoff.failed()
                print(f"The embedded Redis did not start ({error}); trying again in {pause:.0f} s.",
                      flush=True)
                return
            self.backoff.restarted()
            print(f"Started the embedded Redis again (pid {self.server.pid}).", flush=True)

    def shutdown(self) -> None:
        try:
            self.server.shutdown(save=True)
        except Exception as error:  # noqa: BLE001 - stopping anyway
            print(f"The embedded Redis did not stop cleanly ({type(error).__name__}).", flush=True)


def _commands(host: str, port: int) -> dict[str, list[str]]:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    return {
        "web": [sys.executable, "-m", "gunicorn", "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
                "--bind", f"{host}:{port}", "--workers", "2", "--access-logfile", "-",
                "--logger-class", "portal.access_log.RedactingAccessLogger", "wsgi:app"],
        "worker": [*flask, "worker"],
        "scheduler": [*flask, "scheduler"],
    }


def _start_demo_simulator(env: dict[str, str], port: int) -> subprocess.Popen:
    """The simulator on `port`, the children's SMSAPI, with the demo account connected to it."""
    from portal import demo

    url = f"http://127.0.0.1:{port}"
    simulator = subprocess.Popen(demo.simulator_command("127.0.0.1", port), env=env)  # noqa: S603
    try:
        demo.wait_until_up(url)
        email = demo.connect_demo_account(url)
    except Exception:
        _terminate([simulator])
        raise
    env["SMSAPI_API_URL"] = url
    print(demo.announcement(url, email), flush=True)
    return simulator


def _terminate(children) -> None:
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            child.kill()
