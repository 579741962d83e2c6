"""What tests count at the simulator (`/_simulator/summary`), and the faults under concurrency."""

from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests

from tests.simulator.test_callbacks import _wait_until


def _send(simulator, timeout=5, **form):
    response = requests.post(simulator.base_url() + "sms.do", data={"format": "json", **form},
                             headers={"Authorization": f"Bearer {simulator.token}"}, timeout=timeout)
    return response


def test_the_summary_counts_messages_idx_repeats_parts_points_and_reports(simulator, callback_receiver):
    simulator.configure(status_mix="UNDELIVERED=1")
    _send(simulator, to="500100200,500100201", message="ł" * 71, idx="s-1|s-2",
          notify_url=callback_receiver.url)
    _send(simulator, to="500100200", message="Hi", idx="s-1", notify_url=callback_receiver.url)
    _send(simulator, to="500100200", message="Hi", idx="s-1", check_idx="1")
    _send(simulator, to="500100203", message="Hi", test="1")

    callback_receiver.wait_for(2)
    _wait_until(lambda: simulator.admin("GET", "summary")["callbacks_pending"] == 0)
    summary = simulator.admin("GET", "summary")

    assert {key: summary[key] for key in ("accepted", "test_messages", "distinct_idx", "parts",
                                          "points_charged", "duplicates_refused")} == {
        "accepted": 3, "test_messages": 1, "distinct_idx": 2, "parts": 5, "points_charged": "0.80",
        "duplicates_refused": 1}
    assert summary["idx_accepted_more_than_once"] == 1
    assert summary["repeated_idx_examples"] == [{"idx": "s-1", "accepted": 2}]
    assert summary["reports_sent_by_status"] == {"UNDELIVERED": 3}


def test_messages_can_be_filtered_by_idx_prefix(simulator):
    _send(simulator, to="500100200,500100201,500100202", message="Hi", idx="c7-1|c7-2|c8-1")

    assert [m["idx"] for m in simulator.messages(idx_prefix="c7-")] == ["c7-1", "c7-2"]


def test_the_index_page_shows_the_token_to_connect_with(simulator):
    page = requests.get(simulator.url + "/", timeout=5)

    assert page.status_code == 200
    assert simulator.token in page.text and "SMSAPI.pl" in page.text


def test_a_held_answer_comes_after_the_messages_were_accepted(simulator):
    simulator.faults(timeout_rate=1, timeout_seconds=1.0)

    with pytest.raises(requests.Timeout):
        _send(simulator, timeout=(1, 0.3), to="500100200", message="Hi", idx="held-1")

    assert len(simulator.messages(idx="held-1")) == 1


@pytest.mark.parametrize("code", [202, 203])
def test_throttling_errors_send_nothing(simulator, code):
    simulator.faults(**{f"error{code}_rate": 1})

    body = _send(simulator, to="500100200", message="Hi").json()

    assert body["error"] == code
    assert simulator.messages() == []


def test_http_failures_come_at_the_configured_rate(simulator):
    simulator.faults(fail_rate=0.5, fail_status=502)

    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(lambda _: _send(simulator, to="500100200", message="Hi").status_code,
                                 range(80)))

    assert set(statuses) == {200, 502}
    assert statuses.count(200) == len(simulator.messages())


def test_points_run_out_mid_campaign_with_103_and_a_top_up_resumes(simulator):
    simulator.update_account(points="8")  # 50 messages of one part at 0.16

    def send(batch):
        numbers = ",".join(f"5001{batch:02d}{i:03d}" for i in range(10))
        return _send(simulator, to=numbers, message="Hi").json()

    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(send, range(8)))

    assert sum(1 for a in answers if "count" in a) == 5
    assert sum(1 for a in answers if a.get("error") == 103) == 3
    assert simulator.balance() == 0
    simulator.update_account(points="1.6")
    assert send(9)["count"] == 10
    assert simulator.admin("GET", "summary")["points_charged"] == str(Decimal("9.60"))
