"""The simulator's delivery callbacks: batched lists, retries until OK, SENT first, duplicates, the delay."""

import time

from portal.simulator.config import build_parser, config_from_args
from portal.sms.delivery import parse_delivery_reports


def _wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_reports_of_one_send_arrive_batched_as_comma_lists(simulator, callback_receiver):
    sent = simulator.client().send(["500100200", "500100201", "500100202"], "Hi",
                                   idx=["b-1", "b-2", "b-3"], notify_url=callback_receiver.url)

    [request] = callback_receiver.wait_for(1)
    reports = parse_delivery_reports(request.params)

    assert request.method == "GET"
    assert [r.msg_id for r in reports] == [m.id for m in sent.messages]
    assert [r.idx for r in reports] == ["b-1", "b-2", "b-3"]
    assert all(r.state.final and r.username == "portal-test" for r in reports)


def test_batches_are_split_at_the_configured_size_and_can_be_a_post_form(simulator, callback_receiver):
    simulator.configure(callback_batch_size=2, callback_method="POST")

    simulator.client().send(["500100200", "500100201", "500100202"], "Hi", notify_url=callback_receiver.url)

    requests_ = callback_receiver.wait_for(2)
    assert {r.method for r in requests_} == {"POST"}
    assert all(r.headers["Content-Type"] == "application/x-www-form-urlencoded" for r in requests_)
    assert sorted(len(parse_delivery_reports(r.params)) for r in requests_) == [1, 2]


def test_callbacks_are_retried_until_the_receiver_answers_ok(simulator, callback_receiver):
    callback_receiver.fail_next(2)

    simulator.client().send(["500100200"], "Hi", notify_url=callback_receiver.url)

    received = callback_receiver.wait_for(3)
    assert len({r.params["MsgId"] for r in received}) == 1
    _wait_until(lambda: simulator.callbacks()["stats"]["sent"] == 1)
    attempts = simulator.callbacks()["attempts"]
    assert [(a["attempt"], a["ok"]) for a in attempts] == [(1, False), (2, False), (3, True)]


def test_callbacks_give_up_after_the_configured_attempts(simulator, callback_receiver):
    simulator.configure(callback_attempts=2)
    callback_receiver.fail_next(5, status=200, body="NOPE")

    simulator.client().send(["500100200"], "Hi", notify_url=callback_receiver.url)

    _wait_until(lambda: simulator.callbacks()["stats"]["given_up"] == 1)
    assert len(callback_receiver.received) == 2


def test_sent_comes_before_the_final_status_when_asked(simulator, callback_receiver):
    simulator.configure(intermediate_sent=True, status_mix="DELIVERED=1")

    simulator.client().send(["500100200"], "Hi", notify_url=callback_receiver.url)

    first, second = callback_receiver.wait_for(2)
    assert (first.params["status_name"], second.params["status_name"]) == ("SENT", "DELIVERED")


def test_duplicated_reports_are_sent_again(simulator, callback_receiver):
    simulator.configure(duplicate_rate=1.0)

    simulator.client().send(["500100200"], "Hi", notify_url=callback_receiver.url)

    first, second = callback_receiver.wait_for(2)
    assert first.params == second.params


def test_the_status_mix_decides_the_final_statuses(simulator, callback_receiver):
    simulator.configure(status_mix={"UNDELIVERED": 1})

    simulator.client().send(["500100200", "500100201"], "Hi", notify_url=callback_receiver.url)

    [request] = callback_receiver.wait_for(1)
    assert request.params["status"] == "405,405"


def test_the_account_callback_url_is_used_without_notify_url(simulator, callback_receiver):
    simulator.update_account(callback_url=callback_receiver.url)

    simulator.client().send(["500100200"], "Hi")

    assert callback_receiver.wait_for(1)[0].params["to"] == "48500100200"


def test_test_mode_sends_no_callbacks(simulator, callback_receiver):
    simulator.client().send(["500100200"], "Hi", test=True, notify_url=callback_receiver.url)
    simulator.client().send(["500100201"], "Hi", notify_url=callback_receiver.url)

    [request] = callback_receiver.wait_for(1)
    time.sleep(0.2)
    assert len(callback_receiver.received) == 1
    assert request.params["to"] == "48500100201"


def test_many_reports_go_out_from_one_thread_in_full_batches(simulator, callback_receiver):
    import threading

    def dispatchers():
        return sum(1 for thread in threading.enumerate() if thread.name == "simulator-callbacks")

    simulator.update_account(points="1000")
    before = dispatchers()
    client = simulator.client()
    for call in range(30):
        numbers = [f"5001{call:02d}{i:03d}" for i in range(100)]
        client.send(numbers, "Hi", notify_url=callback_receiver.url)

    received = callback_receiver.wait_for(30, timeout=20)
    assert dispatchers() == before
    assert sum(len(r.params["MsgId"].split(",")) for r in received) == 3000
    assert max(len(r.params["MsgId"].split(",")) for r in received) == 100


def test_the_callback_delay_is_a_command_line_option():
    args = build_parser().parse_args(["--token", "t", "--callback-delay", "2.5"])
    assert config_from_args(args).callback_delay == 2.5


def test_reports_wait_the_configured_callback_delay(simulator, callback_receiver):
    simulator.configure(callback_delay=0.8)
    started = time.monotonic()

    simulator.client().send(["500100200"], "Hi", notify_url=callback_receiver.url)

    time.sleep(0.4)
    assert callback_receiver.received == []
    callback_receiver.wait_for(1)
    assert time.monotonic() - started >= 0.8
