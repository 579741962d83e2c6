"""Callback requests that arrive together: one transaction for all, an answer for each, and a
failure that stays with its own request. Through the process's batcher, as the endpoint uses it."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from portal.callbacks import batching, service
from portal.callbacks.batching import _Waiting
from portal.callbacks.service import CallbackRequest, RecentSecrets, judge_callbacks
from portal.extensions import db
from portal.models import DeliveryReport, User, utcnow
from portal.settings.service import regenerate_callback_secret
from portal.smsapi_account import CALLBACK_PATH, settings_for
from tests.callbacks.test_routes import call, report_params, secret_of
from tests.conftest import in_account
from tests.messages import message_state, sent_campaign


def batcher_of(app):
    return app.extensions["callback_batcher"]


def answer_together(app, requests: list[CallbackRequest]) -> list[int]:
    """Answer `requests` as one batch of the batcher (its own connection on PostgreSQL)."""
    waiting = [_Waiting(request) for request in requests]
    with app.app_context():  # as on the batching thread
        batcher_of(app)._answer(waiting)
    return [one.answer.status for one in waiting]


def transactions(app) -> int:
    """How many calls stored the reports so far (one `received_at` per call)."""
    with app.app_context():
        return db.session.scalar(select(func.count(func.distinct(DeliveryReport.received_at)))
                                 .execution_options(all_accounts=True))


def test_each_request_of_a_batch_gets_its_own_answer_and_one_transaction_stores_the_rest(app, account):
    sent = sent_campaign(app, account.account_id, 3)
    secret = secret_of(app, account.account_id)
    account_id = str(account.account_id)
    statuses = answer_together(app, [
        CallbackRequest(account_id, secret, report_params([sent.smsapi_id(0)], [404])),
        CallbackRequest(account_id, "wrong", report_params([sent.smsapi_id(1)], [404])),
        CallbackRequest(account_id, secret, {"MsgId": sent.smsapi_id(1), "status": "delivered"}),
        CallbackRequest(account_id, secret, report_params([sent.smsapi_id(2)] * 2, [403, 405])),
    ])
    assert statuses == [200, 403, 400, 200]
    states = [message_state(app, mid).status for mid in sent.message_ids]
    assert states == ["delivered", "submitted", "undelivered"]
    with app.app_context():
        stored = db.session.scalars(select(DeliveryReport).order_by(DeliveryReport.id)
                                    .execution_options(all_accounts=True)).all()
        assert [(r.msg_id, r.status_code, r.batch_size) for r in stored] == [
            (sent.smsapi_id(0), 404, 1), (sent.smsapi_id(2), 403, 2), (sent.smsapi_id(2), 405, 2)]
    assert transactions(app) == 1


def test_the_order_of_arrival_decides_between_equal_reports_as_one_by_one(app, account):
    sent = sent_campaign(app, account.account_id, 1)
    secret = secret_of(app, account.account_id)
    first = report_params([sent.smsapi_id(0)], [404], mcc="260")
    second = report_params([sent.smsapi_id(0)], [404], mcc="262")
    assert answer_together(app, [CallbackRequest(str(account.account_id), secret, first),
                                 CallbackRequest(str(account.account_id), secret, second)]) == [200, 200]
    assert message_state(app, sent.message_ids[0]).mcc == 260


def test_a_request_that_fails_to_store_fails_alone(app, account, monkeypatch):
    sent = sent_campaign(app, account.account_id, 2)
    secret = secret_of(app, account.account_id)
    real = service.apply_callbacks

    def failing_on_poison(account_id, callbacks, **options):
        if any(report.msg_id == "POISON" for callback in callbacks for report in callback.reports):
            raise RuntimeError("the database refused it")
        return real(account_id, callbacks, **options)

    monkeypatch.setattr(service, "apply_callbacks", failing_on_poison)
    account_id = str(account.account_id)
    statuses = answer_together(app, [
        CallbackRequest(account_id, secret, report_params([sent.smsapi_id(0)], [404])),
        CallbackRequest(account_id, secret, report_params(["POISON"], [404])),
        CallbackRequest(account_id, secret, report_params([sent.smsapi_id(1)], [405])),
    ])
    assert statuses == [200, 500, 200]
    assert [message_state(app, mid).status for mid in sent.message_ids] == ["delivered", "undelivered"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(DeliveryReport)
                                 .where(DeliveryReport.msg_id == "POISON")
                                 .execution_options(all_accounts=True)) == 0


def test_requests_waiting_while_a_batch_is_stored_go_together_in_the_next(app, account, monkeypatch):
    count = 12
    sent = sent_campaign(app, account.account_id, count)
    secret = secret_of(app, account.account_id)
    first_batch_started, release = threading.Event(), threading.Event()
    real = service.judge_callbacks

    def held_first_time(requests, **options):
        if not first_batch_started.is_set():
            first_batch_started.set()
            assert release.wait(10)
        return real(requests, **options)

    monkeypatch.setattr(batching, "judge_callbacks", held_first_time)
    statuses: dict[int, int] = {}

    def report(position: int) -> None:
        client = app.test_client()
        response = call(client, account.account_id, secret, report_params([sent.smsapi_id(position)], [404]))
        statuses[position] = response.status_code

    threads = [threading.Thread(target=report, args=(0,))]
    threads[0].start()
    assert first_batch_started.wait(10)
    threads += [threading.Thread(target=report, args=(i,)) for i in range(1, count)]
    for thread in threads[1:]:
        thread.start()
    deadline = time.monotonic() + 10
    while batcher_of(app)._queue.qsize() < count - 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads:
        thread.join(10)
    assert statuses == dict.fromkeys(range(count), 200)
    assert {message_state(app, mid).status for mid in sent.message_ids} == {"delivered"}
    assert transactions(app) == 2


def test_a_current_secret_is_remembered_a_moment_and_a_previous_one_never(app, account, monkeypatch):
    sent = sent_campaign(app, account.account_id, 3)
    old = secret_of(app, account.account_id)
    recent = RecentSecrets()
    account_id = str(account.account_id)

    def answer(secret, position):
        with app.app_context():
            request = CallbackRequest(account_id, secret, report_params([sent.smsapi_id(position)], [403]))
            return judge_callbacks([request], recent=recent).answers[0].status

    assert answer(old, 0) == 200  # the current secret: remembered
    with in_account(app, account.account_id):
        admin = db.session.get(User, account.admin_id)
        regenerate_callback_secret(account.account_id, admin)
        regenerate_callback_secret(account.account_id, admin)  # the old secret is now neither
        db.session.commit()
    assert answer(old, 1) == 200  # within RecentSecrets.SECONDS of being found current
    monkeypatch.setattr(RecentSecrets, "SECONDS", 0.0)
    assert answer(old, 1) == 403
    previous = secret_of(app, account.account_id)
    with in_account(app, account.account_id):
        regenerate_callback_secret(account.account_id, db.session.get(User, account.admin_id))
        db.session.commit()
    monkeypatch.setattr(RecentSecrets, "SECONDS", 60.0)
    assert answer(previous, 2) == 200  # the previous secret, within its 72 hours: not remembered
    with in_account(app, account.account_id):
        settings_for(account.account_id).previous_callback_secret_until = utcnow()
        db.session.commit()
    assert answer(previous, 2) == 403


def test_the_batching_thread_ends_when_idle_and_starts_again(app, client, account, monkeypatch):
    monkeypatch.setattr(batching, "IDLE_SECONDS", 0.05)
    sent = sent_campaign(app, account.account_id, 2)
    secret = secret_of(app, account.account_id)
    assert call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [404])).text == "OK"
    batcher = batcher_of(app)
    deadline = time.monotonic() + 5
    while batcher._serving is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert batcher._serving is None and batcher._connection is None
    assert call(client, account.account_id, secret, report_params([sent.smsapi_id(1)], [404])).text == "OK"
    assert message_state(app, sent.message_ids[1]).status == "delivered"


def test_a_lost_database_connection_is_replaced_without_failing_the_request(app, client, account):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the batching thread keeps a connection of its own on PostgreSQL only")
    sent = sent_campaign(app, account.account_id, 2)
    secret = secret_of(app, account.account_id)
    assert call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [404])).text == "OK"
    backend = batcher_of(app)._connection.connection.driver_connection.info.backend_pid
    with app.app_context():
        assert db.session.scalar(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
    assert call(client, account.account_id, secret, report_params([sent.smsapi_id(1)], [404])).text == "OK"
    assert message_state(app, sent.message_ids[1]).status == "delivered"


def test_other_methods_are_refused_and_a_huge_form_is_refused_unread(app, client, account):
    response = client.put(CALLBACK_PATH, query_string={"account": account.account_id, "secret": "x"})
    assert response.status_code == 405 and response.headers["Allow"] == "GET, POST"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    huge = {"MsgId": ",".join(["A"] * (app.config["MAX_CONTENT_LENGTH"] // 2 + 1)), "status": "404"}
    response = client.post(CALLBACK_PATH, query_string={"account": account.account_id, "secret": "x"},
                           data=huge, csrf=False)
    assert response.status_code == 413 and "too large" in response.text


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_batching_thread_that_dies_is_replaced_by_the_next_request(app, client, account, monkeypatch):
    sent = sent_campaign(app, account.account_id, 2)
    secret = secret_of(app, account.account_id)
    batcher = batcher_of(app)
    serve = batcher._serve_in_app
    calls = []

    def dies_the_first_time():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("a bug in the batching thread")
        serve()

    monkeypatch.setattr(batcher, "_serve_in_app", dies_the_first_time)
    monkeypatch.setattr(batching, "ANSWER_TIMEOUT_SECONDS", 0.5)
    response = call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [404]))
    assert response.status_code == 503 and "send them again" in response.text
    monkeypatch.setattr(batching, "ANSWER_TIMEOUT_SECONDS", 10.0)
    assert call(client, account.account_id, secret, report_params([sent.smsapi_id(1)], [404])).text == "OK"
    # The new thread also served the request left waiting: nothing was lost, only answered late.
    assert [message_state(app, mid).status for mid in sent.message_ids] == ["delivered", "delivered"]
