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


def run_all(app: Flask, *, host: str, port: int) -> None:
    env = dict(os.environ)
    server = None
    if app.config.get("EMBEDDED_REDIS"):
        server = embedded_redis.start(app.instance_path)
        env["REDIS_URL"] = embedded_redis.url(app.instance_path)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    commands = {
        "web": [sys.executable, "-m", "gunicorn", "--bind", f"{host}:{port}", "--workers", "2",
                "--threads", "4", "--access-logfile", "-", "wsgi:app"],
        "worker": [*flask, "worker"],
        "scheduler": [*flask, "scheduler"],
    }
    children = {name: subprocess.Popen(command, env=env) for name, command in commands.items()}  # noqa: S603
    print(f"Portal running on http://{host}:{port} (web, worker, scheduler). Ctrl-C stops all.", flush=True)
    stopping = False

    def stop(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
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
