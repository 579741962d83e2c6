"""`flask serve`: web, worker and scheduler as child processes that start and stop together.

On the embedded default this process also owns the embedded Redis and hands its address to the
children, so all of them share one server that stops with them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from flask import Flask

from portal import embedded_redis


def run_all(app: Flask, *, host: str, port: int, simulator_port: int | None = None) -> None:
    """Start every process, and stop them all when one stops or on Ctrl-C / SIGTERM.

    With `simulator_port`, the SMSAPI simulator starts first, every child is pointed at it and the
    demo account is connected to it (`make demo`).
    """
    env = dict(os.environ)
    # The callback URL shown in Settings must name the address this portal really serves on.
    env.setdefault("PUBLIC_BASE_URL", f"http://{host}:{port}")
    server = None
    if app.config.get("EMBEDDED_REDIS"):
        server = embedded_redis.start(app.instance_path)
        env["REDIS_URL"] = embedded_redis.url(app.instance_path)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    children: dict[str, subprocess.Popen] = {}
    try:
        if simulator_port is not None:
            children["simulator"] = _start_demo_simulator(env, simulator_port)
        for name, command in _commands(host, port).items():
            children[name] = subprocess.Popen(command, env=env)  # noqa: S603
        names = ", ".join(children)
        print(f"Portal running on http://{host}:{port} ({names}). Ctrl-C stops all.", flush=True)
        while not stopping:
            for name, child in children.items():
                if child.poll() is not None:
                    print(f"The {name} process stopped (exit {child.returncode}); stopping the rest.",
                          flush=True)
                    stopping = True
            time.sleep(0.5)
    finally:
        _terminate(children.values())
        if server is not None:
            server.shutdown(save=True)


def _commands(host: str, port: int) -> dict[str, list[str]]:
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    return {
        "web": [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2",
                "--threads", "4", "--access-logfile", "-", "wsgi:app"],
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
