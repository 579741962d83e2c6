"""The simulator's admin surface and its command line."""

import os
import signal
import socket
import subprocess
import sys
import time

import pytest
import requests


def test_reset_forgets_messages_and_restores_the_balance(simulator):
    simulator.client().send(["500100200"], "Hi")
    simulator.update_account(points="3")

    simulator.reset()

    assert simulator.state()["messages"] == 0
    assert simulator.balance() == 100


def test_faults_replace_each_other(simulator):
    simulator.faults(fail_rate=1)
    simulator.faults(latency=0.01)

    config = simulator.state()["config"]
    assert (config["fail_rate"], config["latency"]) == (0.0, 0.01)


def test_unknown_settings_are_refused(simulator):
    response = requests.post(f"{simulator.url}/_simulator/config", json={"colour": "red"}, timeout=5)

    assert response.status_code == 400
    assert "colour" in response.json()["error"]


def test_a_dropped_connection_looks_like_a_dead_host(simulator):
    simulator.faults(unreachable=["api.smsapi.pl"])

    with pytest.raises(requests.ConnectionError):
        requests.get(simulator.base_url() + "ping", timeout=5)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_command_line_serves_one_account():
    port = _free_port()
    command = [sys.executable, "-m", "portal.simulator", "--port", str(port), "--token", "cli-token",
               "--points", "5"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,  # noqa: S603
                               start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}/api.smsapi.pl/profile"
        deadline = time.monotonic() + 10
        while True:
            try:
                response = requests.get(url, headers={"Authorization": "Bearer cli-token"}, timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the simulator did not start"
                time.sleep(0.1)
        assert response.json()["points"] == 5.0
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def test_the_help_lists_the_options():
    result = subprocess.run([sys.executable, "-m", "portal.simulator", "--help"],  # noqa: S603
                            capture_output=True, text=True, check=True)

    for option in ("--token", "--callback-url", "--status-mix", "--approve-after", "--fail-rate",
                   "--callback-method", "--test-mode-ids", "--no-profile-points", "--json-without-format",
                   "--duplicate-idx-mode", "--error203-rate", "--server", "--threads"):
        assert option in result.stdout


def test_the_demo_simulator_shows_the_token_the_demo_prints():
    from portal import demo

    port = _free_port()
    process = subprocess.Popen(demo.simulator_command("127.0.0.1", port),  # noqa: S603
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        demo.wait_until_up(url)
        page = requests.get(url + "/", timeout=5).text
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    assert demo.DEMO_TOKEN in page
    assert demo.DEMO_TOKEN in demo.announcement(url, demo.DEMO_ADMIN_EMAIL)
