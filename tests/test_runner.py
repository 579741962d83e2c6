"""`flask serve` keeps its processes running: a child or the embedded Redis that dies is started
again after a growing pause, with real processes killed for real."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests

from portal import runner


def _wait(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_backoff_doubles_while_failing_quickly_and_is_capped(monkeypatch):
    backoff = runner.Backoff()
    pauses = [backoff.failed() for _ in range(7)]
    assert pauses == [1, 2, 4, 8, 16, 30, 30]
    backoff.started_at -= runner.STABLE_AFTER + 1
    assert backoff.failed() == 1


def test_a_killed_child_is_started_again(monkeypatch):
    monkeypatch.setattr(runner, "FIRST_BACKOFF", 0.2)
    command = [sys.executable, "-c", "import time; time.sleep(60)"]
    children = {"worker": runner._start("worker", command, dict(os.environ))}
    backoff = runner.Backoff(delay=0.2)
    first = children["worker"]
    try:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)

        def restarted():
            runner._keep_running("worker", children["worker"], command, dict(os.environ), children, backoff)
            return children["worker"] is not first and children["worker"].poll() is None

        _wait(restarted)
    finally:
        runner._terminate(children.values())


def test_a_killed_embedded_redis_is_started_again(tmp_path):
    redis = runner._EmbeddedRedis(str(tmp_path))
    redis.backoff.delay = 0.2
    try:
        redis.server.set("before", "1")
        os.kill(redis.server.pid, signal.SIGKILL)

        def answering():
            redis.checked_at -= 5  # check on every call instead of every 2 s
            redis.keep_running()
            try:
                return redis.server.ping()
            except Exception:  # noqa: BLE001 - not back yet
                return False

        _wait(answering)
        assert redis.server.set("after", "1")
    finally:
        redis.shutdown()


def test_the_serve_loop_stops_only_on_a_signal(tmp_path):
    """A stand-alone serve loop whose children exit at once keeps restarting them until SIGTERM."""
    script = (
        "import sys\n"
        "from portal import runner\n"
        "runner._commands = lambda host, port: {'web': [sys.executable, '-c', 'pass']}\n"
        "class App:\n"
        "    config = {}\n"
        "    instance_path = '.'\n"
        "runner.run_all(App(), host='127.0.0.1', port=1)\n"
    )
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        serve = subprocess.Popen([sys.executable, "-c", script], stdout=output)
    try:
        _wait(lambda: log.read_text().count("Started web") >= 3, timeout=90)
        assert serve.poll() is None, "the loop stopped by itself"
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
    finally:
        if serve.poll() is None:
            serve.kill()
    assert "starting it again" in log.read_text()


def test_the_demo_simulator_killed_under_the_serve_loop_is_started_again(tmp_path):
    """`make demo`'s simulator is one of the serve loop's children: killed, it answers again on its port."""
    port = _free_port()
    script = (
        "import sys\n"
        "from portal import demo, runner\n"
        "idle = [sys.executable, '-c', 'import time; time.sleep(600)']\n"
        "runner._commands = lambda host, port: {'web': idle}\n"
        "runner._start_demo_simulator = lambda env, port: runner._start(\n"
        "    'simulator', demo.simulator_command('127.0.0.1', port), env)\n"
        "class App:\n"
        "    config = {}\n"
        "    instance_path = '.'\n"
        f"runner.run_all(App(), host='127.0.0.1', port=1, simulator_port={port})\n"
    )
    log = tmp_path / "serve.log"
    with log.open("w") as output:
        serve = subprocess.Popen([sys.executable, "-c", script], stdout=output, start_new_session=True)
    try:
        _wait(lambda: _answers(port), timeout=60)
        first = int(re.search(r"Started simulator \(pid (\d+)\)", log.read_text()).group(1))
        os.kill(first, signal.SIGKILL)
        _wait(lambda: log.read_text().count("Started simulator") == 2, timeout=60)
        _wait(lambda: _answers(port), timeout=60)
        assert "The simulator process stopped" in log.read_text()
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=30)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _answers(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/", timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_a_port_in_use_is_refused_with_its_reason():
    with socket.socket() as listening:
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as the web workers listen
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        with pytest.raises(SystemExit, match=f"Port {port} on 127.0.0.1 is in use"):
            runner.refuse_a_taken_port("127.0.0.1", port)
    runner.refuse_a_taken_port("127.0.0.1", port)  # free again
