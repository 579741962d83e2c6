"""Each UNCONFIRMED behaviour of SMSAPI is a setting; both readings are played as configured."""

from decimal import Decimal

import requests


def _call(simulator, path="sms.do", method="POST", **form):
    headers = {"Authorization": f"Bearer {simulator.token}"}
    return requests.request(method, simulator.base_url() + path, data=form, headers=headers, timeout=5)


def _send(simulator, **form):
    response = _call(simulator, format="json", **form)
    assert response.status_code == 200
    return response.json()


def test_test_mode_answers_real_ids_and_points_by_default(simulator):
    body = _send(simulator, to="500100200,500100201", message="Hi", test="1")

    assert body["count"] == 2
    assert all(item["id"] and item["points"] == 0.16 for item in body["list"])
    assert simulator.balance() == 100


def test_test_mode_can_answer_items_without_ids(simulator):
    simulator.configure(test_mode_ids="no_id")

    body = _send(simulator, to="500100200,500100201", message="Hi", test="1", idx="t-1|t-2")

    assert [(item["id"], item["points"], item["idx"]) for item in body["list"]] == [
        (None, 0, "t-1"), (None, 0, "t-2")]


def test_test_mode_can_answer_a_count_without_items(simulator):
    simulator.configure(test_mode_ids="empty_list")

    body = _send(simulator, to="500100200,500100201", message="Hi", test="1")

    assert (body["count"], body["list"]) == (2, [])


def test_test_mode_ids_refuses_an_unknown_reading(simulator):
    response = requests.post(f"{simulator.url}/_simulator/config", json={"test_mode_ids": "some"}, timeout=5)

    assert response.status_code == 400
    assert "test_mode_ids" in response.json()["error"]


def test_test_messages_get_callbacks_when_asked(simulator, callback_receiver):
    simulator.configure(test_callbacks=True)

    simulator.client().send(["500100200"], "Hi", test=True, notify_url=callback_receiver.url)

    [request] = callback_receiver.wait_for(1)
    assert request.params["to"] == "48500100200"


def test_profile_has_points_unless_switched_off(simulator):
    assert _call(simulator, "profile", "GET").json()["points"] == 100.0

    simulator.configure(profile_points=False)

    profile = _call(simulator, "profile", "GET").json()
    assert "points" not in profile
    assert profile["username"] == simulator.username


def test_without_format_json_sms_do_answers_plain_text(simulator):
    single = _call(simulator, to="500100200", message="Hi")
    several = _call(simulator, to="500100200,500100201", message="Hi")
    refused = _call(simulator, to="12", message="Hi")

    message = simulator.messages()[0]
    assert single.headers["Content-Type"].startswith("text/plain")
    assert single.text == f"OK:{message['id']}:0.16"
    assert [line.split(":")[0] for line in several.text.split(";")] == ["OK", "OK"]
    assert several.text.split(";")[1].endswith(":48500100201")
    assert refused.text == "ERROR:13"


def test_without_format_json_the_answer_can_still_be_json(simulator):
    simulator.configure(json_without_format=True)

    assert _call(simulator, to="500100200", message="Hi").json()["count"] == 1
    assert _call(simulator, to="12", message="Hi").json()["error"] == 13


def test_a_used_idx_refuses_the_whole_call_by_default(simulator):
    _send(simulator, to="500100200", message="Hi", idx="u-1", check_idx="1")

    body = _send(simulator, to="500100201,500100202", message="Hi", idx="u-1|u-2", check_idx="1")

    assert body["error"] == 53
    assert simulator.messages(idx="u-2") == []


def test_a_used_idx_can_skip_only_that_recipient(simulator):
    simulator.configure(duplicate_idx_mode="skip_duplicates")
    _send(simulator, to="500100200", message="Hi", idx="u-1", check_idx="1")

    body = _send(simulator, to="500100201,500100202", message="Hi", idx="u-1|u-2", check_idx="1")

    assert body["count"] == 1
    assert [(item["idx"], item["error"], bool(item["id"])) for item in body["list"]] == [
        ("u-2", None, True), ("u-1", 53, False)]
    assert len(simulator.messages(idx="u-1")) == 1
    assert simulator.balance() == Decimal("100") - 2 * Decimal("0.16")


def test_skipping_every_recipient_is_error_53(simulator):
    simulator.configure(duplicate_idx_mode="skip_duplicates")
    _send(simulator, to="500100200", message="Hi", idx="u-1", check_idx="1")

    assert _send(simulator, to="500100201", message="Hi", idx="u-1", check_idx="1")["error"] == 53
