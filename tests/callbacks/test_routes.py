"""The delivery-report endpoint, through real requests: GET and POST, single and batched, the
secret (current and previous), malformed requests, and another account's messages."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import DeliveryReport, Message, User, utcnow
from portal.settings.service import regenerate_callback_secret
from portal.smsapi_account import CALLBACK_PATH, settings_for
from tests.conftest import in_account
from tests.messages import message_state, record_smsapi_ids, sent_campaign

DONE = 1764000000  # 2025-11-24 16:00 UTC


def secret_of(app, account_id: int) -> str:
    with in_account(app, account_id):
        settings = settings_for(account_id)
        db.session.commit()
        return settings.callback_secret


def report_params(ids: list[str], statuses: list[int], idx: list[str] | None = None, **extra) -> dict:
    params = {"MsgId": ",".join(ids), "status": ",".join(map(str, statuses)),
              "donedate": ",".join([str(DONE)] * len(ids)), "points": ",".join(["0.16"] * len(ids)),
              "mcc": ",".join(["260"] * len(ids)), "mnc": ",".join(["3"] * len(ids))}
    if idx is not None:
        params["idx"] = ",".join(idx)
    params.update(extra)
    return params


def call(client, account_id, secret, params, method="GET"):
    query = {"account": account_id, "secret": secret}
    if method == "GET":
        return client.get(CALLBACK_PATH, query_string={**query, **params})
    return client.post(CALLBACK_PATH, query_string=query, data=params, csrf=False)


def stored_reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(DeliveryReport)
                                 .execution_options(all_accounts=True))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_single_report_delivers_the_message(app, client, account, method):
    sent = sent_campaign(app, account.account_id, 1)
    response = call(client, account.account_id, secret_of(app, account.account_id),
                    report_params([sent.smsapi_id(0)], [404]), method)
    assert response.status_code == 200 and response.text == "OK"
    assert response.mimetype == "text/plain" and "Set-Cookie" not in response.headers
    message = message_state(app, sent.message_ids[0])
    assert (message.status, message.report_code, message.mcc, message.mnc) == ("delivered", 404, 260, 3)
    assert str(message.points) == "0.1600"
    assert message.delivered_at.timestamp() == DONE and message.failed_at is None


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_batched_reports_apply_each_to_its_message(app, client, account, method):
    sent = sent_campaign(app, account.account_id, 4)
    ids = [sent.smsapi_id(i) for i in range(4)]
    response = call(client, account.account_id, secret_of(app, account.account_id),
                    report_params(ids, [404, 405, 402, 403]), method)
    assert response.text == "OK"
    states = [message_state(app, mid) for mid in sent.message_ids]
    assert [m.status for m in states] == ["delivered", "undelivered", "expired", "sent"]
    assert states[1].failed_at.timestamp() == DONE and states[1].delivered_at is None
    assert stored_reports(app) == 4


def test_repeated_parameters_count_as_one_batch(app, client, account):
    sent = sent_campaign(app, account.account_id, 2)
    query = [("account", account.account_id), ("secret", secret_of(app, account.account_id)),
             ("MsgId", sent.smsapi_id(0)), ("MsgId", sent.smsapi_id(1)), ("status", "404"), ("status", "405")]
    assert client.get(CALLBACK_PATH, query_string=query).text == "OK"
    assert [message_state(app, mid).status for mid in sent.message_ids] == ["delivered", "undelivered"]


def test_the_same_report_twice_changes_nothing(app, client, account):
    sent = sent_campaign(app, account.account_id, 1)
    secret = secret_of(app, account.account_id)
    call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [404]))
    first = message_state(app, sent.message_ids[0])
    assert call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [404])).text == "OK"
    again = message_state(app, sent.message_ids[0])
    assert again.status_changed_at == first.status_changed_at and again.delivered_at == first.delivered_at
    assert stored_reports(app) == 2  # both kept raw: the audit trail is append-only


def test_a_late_sent_never_overwrites_delivered(app, client, account):
    sent = sent_campaign(app, account.account_id, 2)
    secret = secret_of(app, account.account_id)
    call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [404]))
    call(client, account.account_id, secret, report_params([sent.smsapi_id(0)], [403]))
    # Out of order inside one batch too: the final wins whatever its position.
    call(client, account.account_id, secret, report_params([sent.smsapi_id(1)] * 2, [405, 403]))
    assert [message_state(app, mid).status for mid in sent.message_ids] == ["delivered", "undelivered"]


def test_unknown_status_may_still_become_delivered_but_not_the_reverse(app, client, account):
    sent = sent_campaign(app, account.account_id, 2)
    secret = secret_of(app, account.account_id)
    ids = [sent.smsapi_id(0), sent.smsapi_id(1)]
    call(client, account.account_id, secret, report_params(ids, [408, 404]))
    call(client, account.account_id, secret, report_params(ids, [404, 408]))
    assert [message_state(app, mid).status for mid in sent.message_ids] == ["delivered", "delivered"]


def test_unknown_ids_are_kept_as_orphans(app, client, account):
    sent = sent_campaign(app, account.account_id, 1)
    response = call(client, account.account_id, secret_of(app, account.account_id),
                    report_params(["NOSUCHID", sent.smsapi_id(0)], [404, 404], idx=["", "x"]))
    assert response.text == "OK"
    with app.app_context():
        orphan = db.session.scalar(select(DeliveryReport).where(DeliveryReport.msg_id == "NOSUCHID")
                                   .execution_options(all_accounts=True))
        assert orphan.message_id is None
        assert orphan.params["MsgId"] == "NOSUCHID" and orphan.params["status"] == "404"
    assert message_state(app, sent.message_ids[0]).status == "delivered"


def test_each_report_keeps_its_own_parameters_as_sent(app, client, account):
    sent = sent_campaign(app, account.account_id, 3)
    ids = [sent.smsapi_id(i) for i in range(3)]
    response = call(client, account.account_id, secret_of(app, account.account_id),
                    report_params(ids, [404, 405, 404], to="48500100200,48500100201,48500100202",
                                  extra="spring"))
    assert response.text == "OK"
    with app.app_context():
        stored = db.session.scalars(select(DeliveryReport).order_by(DeliveryReport.id)
                                    .execution_options(all_accounts=True)).all()
    assert [r.params["MsgId"] for r in stored] == ids
    assert [r.params["status"] for r in stored] == ["404", "405", "404"]
    assert [r.params["to"] for r in stored] == ["48500100200", "48500100201", "48500100202"]
    assert {r.params["extra"] for r in stored} == {"spring"}  # not a list: it belongs to every report
    assert "secret" not in stored[0].params and "account" not in stored[0].params


def test_report_before_the_id_is_recorded_applies_by_idx(app, client, account):
    sent = sent_campaign(app, account.account_id, 1, record_ids=False)
    call(client, account.account_id, secret_of(app, account.account_id),
         report_params(["SMSAPI-ID-1"], [404], idx=[sent.idx(0)]))
    message = message_state(app, sent.message_ids[0])
    assert (message.status, message.smsapi_id) == ("delivered", "SMSAPI-ID-1")


def test_report_for_a_message_still_being_sent_applies_by_idx(app, client, account):
    sent = sent_campaign(app, account.account_id, 1, record_ids=False)
    with app.app_context():
        message = db.session.get(Message, sent.message_ids[0], execution_options={"all_accounts": True})
        message.status, message.status_rank, message.submitted_at = "sending", 1, None
        message.leased_until = utcnow() + timedelta(minutes=5)
        db.session.commit()
    call(client, account.account_id, secret_of(app, account.account_id),
         report_params(["SMSAPI-ID-2"], [403], idx=[sent.idx(0)]))
    message = message_state(app, sent.message_ids[0])
    assert (message.status, message.smsapi_id, message.leased_until) == ("sent", "SMSAPI-ID-2", None)
    assert message.submitted_at is not None


def test_idx_of_another_campaign_key_does_not_match(app, client, account):
    sent = sent_campaign(app, account.account_id, 1, record_ids=False)
    forged = f"deadbeef-{sent.message_ids[0]}"
    call(client, account.account_id, secret_of(app, account.account_id),
         report_params(["SMSAPI-ID-1"], [404], idx=[forged]))
    assert message_state(app, sent.message_ids[0]).status == "submitted"


def test_report_without_idx_applies_once_the_id_is_recorded(app, client, account):
    from portal.delivery.apply import apply_pending_reports

    sent = sent_campaign(app, account.account_id, 1, record_ids=False)
    call(client, account.account_id, secret_of(app, account.account_id),
         report_params([sent.smsapi_id(0)], [404]))
    assert message_state(app, sent.message_ids[0]).status == "submitted"
    with in_account(app, account.account_id):
        record_smsapi_ids(sent.message_ids)
        assert apply_pending_reports(account.account_id, sent.message_ids) == 1
        db.session.commit()
    assert message_state(app, sent.message_ids[0]).status == "delivered"


def test_report_without_idx_applies_by_the_periodic_retry(app, client, account):
    from portal import jobs

    sent = sent_campaign(app, account.account_id, 1, record_ids=False)
    call(client, account.account_id, secret_of(app, account.account_id),
         report_params([sent.smsapi_id(0)], [405]))
    with app.app_context():
        record_smsapi_ids(sent.message_ids)
        db.session.commit()
        jobs.retry_unmatched_reports()
    assert message_state(app, sent.message_ids[0]).status == "undelivered"


def test_wrong_or_missing_secret_is_refused_and_changes_nothing(app, client, account):
    sent = sent_campaign(app, account.account_id, 1)
    params = report_params([sent.smsapi_id(0)], [404])
    for secret in ("wrong", "", None):
        query = {"account": account.account_id, **params}
        if secret is not None:
            query["secret"] = secret
        response = client.get(CALLBACK_PATH, query_string=query)
        assert response.status_code == 403 and "secret" in response.text
    assert client.post(CALLBACK_PATH, data=params, csrf=False).status_code == 403
    assert message_state(app, sent.message_ids[0]).status == "submitted"
    assert stored_reports(app) == 0


def test_previous_secret_works_for_72_hours_after_regenerating(app, client, account):
    sent = sent_campaign(app, account.account_id, 2)
    old = secret_of(app, account.account_id)
    with in_account(app, account.account_id):
        regenerate_callback_secret(account.account_id, db.session.get(User, account.admin_id))
        db.session.commit()
    assert call(client, account.account_id, old, report_params([sent.smsapi_id(0)], [404])).text == "OK"
    with in_account(app, account.account_id):
        settings = settings_for(account.account_id)
        settings.previous_callback_secret_until = utcnow() - timedelta(seconds=1)
        db.session.commit()
    response = call(client, account.account_id, old, report_params([sent.smsapi_id(1)], [404]))
    assert response.status_code == 403
    assert [message_state(app, mid).status for mid in sent.message_ids] == ["delivered", "submitted"]
    new = secret_of(app, account.account_id)
    assert call(client, account.account_id, new, report_params([sent.smsapi_id(1)], [404])).text == "OK"


def test_another_accounts_messages_are_never_touched(app, client, make_account):
    mine, theirs = make_account("Mine"), make_account("Theirs")
    their_sent = sent_campaign(app, theirs.account_id, 1, record_ids=False)
    with app.app_context():
        record_smsapi_ids(their_sent.message_ids)
        db.session.commit()
    # Their SMSAPI id and their idx, sent with my URL: stored for me as orphans, never applied to theirs.
    response = call(client, mine.account_id, secret_of(app, mine.account_id),
                    report_params([their_sent.smsapi_id(0), "OTHER"], [404, 404],
                                  idx=["", their_sent.idx(0)]))
    assert response.text == "OK"
    assert message_state(app, their_sent.message_ids[0]).status == "submitted"
    # My secret with their account id is refused.
    response = call(client, theirs.account_id, secret_of(app, mine.account_id),
                    report_params([their_sent.smsapi_id(0)], [404]))
    assert response.status_code == 403
    with app.app_context():
        from portal import jobs

        jobs.retry_unmatched_reports()
        reports = db.session.scalars(select(DeliveryReport).execution_options(all_accounts=True)).all()
        assert {(r.account_id, r.message_id) for r in reports} == {(mine.account_id, None)}
    assert message_state(app, their_sent.message_ids[0]).status == "submitted"


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"MsgId": "A,B", "status": "404"}, "'status' has 1 values for 2 MsgId values"),
        ({"MsgId": "A,B", "status": "404,405", "idx": "x"}, "'idx' has 1 values"),
        ({"MsgId": "A", "status": "delivered"}, "'status' is not a number"),
        ({"status": "404"}, "'MsgId' is missing"),
        ({"MsgId": "A,", "status": "404,404"}, "'MsgId' is empty in report 2"),
        ({"MsgId": "A", "status": "404", "points": "lots"}, "'points' is not a number"),
        ({"MsgId": "A", "status": "4040000000000"}, "'status' is out of range: '4040000000000'"),
        ({"MsgId": "A", "status": "404", "mcc": "9999999999"}, "'mcc' is out of range"),
        ({"MsgId": "A", "status": "404", "points": "1e9"}, "'points' is out of range"),
        ({"MsgId": "A", "status": "404", "to": "48\x00600"}, "the parameter 'to' holds a NUL character"),
    ],
)
def test_malformed_requests_get_400_and_apply_nothing(app, client, account, params, reason, method):
    sent = sent_campaign(app, account.account_id, 1)
    params = {key: value.replace("A", sent.smsapi_id(0)) for key, value in params.items()}
    response = call(client, account.account_id, secret_of(app, account.account_id), params, method)
    assert response.status_code == 400
    assert reason in response.text and "Nothing was applied" in response.text
    assert message_state(app, sent.message_ids[0]).status == "submitted"
    assert stored_reports(app) == 0


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_the_largest_numbers_a_report_may_carry_are_stored(app, client, account, method):
    sent = sent_campaign(app, account.account_id, 1)
    params = {"MsgId": sent.smsapi_id(0), "status": "2147483647", "points": "99999999.9999",
              "mcc": "2147483647", "mnc": "-2147483647"}
    response = call(client, account.account_id, secret_of(app, account.account_id), params, method)
    assert (response.status_code, response.text) == (200, "OK")
    with app.app_context():
        report = db.session.scalar(select(DeliveryReport).execution_options(all_accounts=True))
        assert (report.status_code, report.points, report.mcc, report.mnc, report.message_id) == (
            2147483647, Decimal("99999999.9999"), 2147483647, -2147483647, sent.message_ids[0])
    assert message_state(app, sent.message_ids[0]).status == "submitted"  # a code the table does not know


def test_username_check_refuses_reports_of_another_smsapi_user(app, client, account):
    sent = sent_campaign(app, account.account_id, 1)
    with in_account(app, account.account_id):
        settings = settings_for(account.account_id)
        settings.smsapi_username, settings.check_callback_username = "areto", True
        db.session.commit()
    secret = secret_of(app, account.account_id)
    params = report_params([sent.smsapi_id(0)], [404], username="mallory")
    response = call(client, account.account_id, secret, params)
    assert response.status_code == 403 and "mallory" in response.text
    assert message_state(app, sent.message_ids[0]).status == "submitted"
    params = report_params([sent.smsapi_id(0)], [404], username="areto")
    response = call(client, account.account_id, secret, params)
    assert response.text == "OK"
    assert message_state(app, sent.message_ids[0]).status == "delivered"


def test_callback_needs_no_csrf_token_and_no_session(app, client, account):
    sent = sent_campaign(app, account.account_id, 1)
    response = call(client, account.account_id, secret_of(app, account.account_id),
                    report_params([sent.smsapi_id(0)], [404]), "POST")
    assert response.status_code == 200
    with app.app_context():
        assert db.session.scalar(select(Message.status).execution_options(all_accounts=True)) == "delivered"


def test_the_callback_answers_with_the_security_headers_of_every_page(app, client):
    from portal.security_headers import HSTS

    assert app.config["PUBLIC_BASE_URL"].startswith("https://")
    response = client.get("/api/smsApi/update?account=1&secret=wrong&MsgId=1&status=403")
    assert response.status_code == 403
    headers = response.headers
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["Strict-Transport-Security"] == HSTS
    assert headers["Cache-Control"] == "no-store"
