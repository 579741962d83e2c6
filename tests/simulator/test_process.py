"""The simulator as a real process, as reliability tests start it: flags, concurrency, SIGKILL."""

from concurrent.futures import ThreadPoolExecutor

import requests


def _send(helper, first, count=100, **form):
    numbers = ",".join(str(48_500_000_000 + first + i) for i in range(count))
    idx = "|".join(f"p-{first + i}" for i in range(count))
    response = requests.post(helper.base_url() + "sms.do", timeout=10,
                             headers={"Authorization": f"Bearer {helper.token}"},
                             data={"format": "json", "to": numbers, "message": "Hi", "idx": idx,
                                   "check_idx": "1", **form})
    return response.json()


def test_a_process_accepts_concurrent_batches_and_counts_them(simulator_process):
    running = simulator_process("--points", "1000")

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda call: _send(running.helper, call * 100), range(20)))

    assert all(answer["count"] == 100 for answer in answers)
    summary = running.helper.summary()
    assert (summary["accepted"], summary["distinct_idx"], summary["idx_accepted_more_than_once"]) == (
        2000, 2000, 0)
    assert summary["points_charged"] == "320.00"


def test_a_process_takes_its_switches_from_flags(simulator_process):
    running = simulator_process("--duplicate-idx-mode", "skip_duplicates", "--no-profile-points",
                                "--test-mode-ids", "empty_list", "--callback-method", "POST")

    config = running.helper.admin("GET", "config")["config"]
    assert (config["duplicate_idx_mode"], config["profile_points"], config["test_mode_ids"],
            config["callback_method"]) == ("skip_duplicates", False, "empty_list", "POST")


def test_a_killed_process_stops_answering(simulator_process):
    running = simulator_process()
    running.stop()

    try:
        requests.get(running.url + "/_simulator/config", timeout=1)
    except requests.ConnectionError:
        pass
    else:
        raise AssertionError("the killed simulator still answers")


def test_the_werkzeug_server_serves_too(simulator_process):
    running = simulator_process("--server", "werkzeug")

    assert _send(running.helper, 0, count=3)["count"] == 3
