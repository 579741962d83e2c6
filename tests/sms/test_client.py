"""SmsapiClient against the simulator: sending, profile, ping and sender names over real HTTP."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl, urlencode

import pytest

from portal.sms.client import SmsapiClient, form_body
from portal.sms.errors import ContentError, SmsapiNotFound, TransientError
from portal.sms.services import SERVICES, SMSAPI_IO_BASE_URL, get_service, redirect_url


def test_send_returns_one_result_per_recipient_with_idx_points_and_details(simulator):
    client = simulator.client()

    response = client.send(["500100200", "+48500100201"], "Hello", idx=["m-1", "m-2"], details=True)

    assert [m.idx for m in response.messages] == ["m-1", "m-2"]
    assert [m.number for m in response.messages] == ["48500100200", "48500100201"]
    assert response.messages[0].submitted_number == "500100200"
    assert all(m.accepted and m.status == "QUEUE" and m.parts == 1 for m in response.messages)
    assert all(isinstance(m.points, Decimal) for m in response.messages)
    assert response.points == Decimal("0.32")
    assert (response.details.message, response.details.length, response.details.parts) == ("Hello", 5, 1)
    assert simulator.balance() == Decimal("99.68")


def test_send_posts_a_form_with_format_json_first_and_joined_lists(callback_receiver):
    client = SmsapiClient("t0ken", override_url=callback_receiver.url, timeout=(1, 1), failover=False)

    with pytest.raises(TransientError):  # the receiver answers "OK", which is not JSON
        client.send(["500100200", "500100201"], "Hi", idx=["a", "b"], sender="Shop", max_parts=3,
                    notify_url="https://crm.example/dlr", date=1_900_000_000)

    request = callback_receiver.received[0]
    form = parse_qsl(request.body)
    assert request.path.startswith("/dlr/api.smsapi.pl/sms.do")
    assert form[:2] == [("format", "json"), ("encoding", "utf-8")]
    assert dict(form) == {
        "format": "json", "encoding": "utf-8", "to": "500100200,500100201", "message": "Hi",
        "idx": "a|b", "check_idx": "1", "from": "Shop", "max_parts": "3",
        "notify_url": "https://crm.example/dlr", "date": "1900000000", "date_validate": "1",
    }
    client.close()


@pytest.mark.parametrize("value", [
    "",
    "plain_value-1.2~3",
    "+48500100200,+48500100201",
    "50% off + 10% more & free = yes? a/b #1",
    "%25 is not decoded twice, nor is + from a space",
    "Zażółć gęślą jaźń, €5 😀\n\ttab",
    "".join(chr(c) for c in range(32, 127)),  # more distinct characters to escape than one pass each
])
def test_the_form_body_is_what_urlencode_makes(value):
    form = [("message", value), ("a key", value), ("idx", "c1-1|c1-2")]

    assert form_body(form) == urlencode(form).encode()
    assert parse_qsl(form_body(form).decode(), keep_blank_values=True) == form


def test_the_form_body_refuses_text_that_is_not_unicode():
    with pytest.raises(UnicodeEncodeError):
        form_body([("message", "half a pair \ud800")])


@pytest.mark.parametrize("bad_idx", ["a,b", "a|b", ""])
def test_send_refuses_idx_values_that_would_break_the_lists(simulator, bad_idx):
    with pytest.raises(ValueError, match="idx"):
        simulator.client().send(["500100200", "500100201"], "Hi", idx=["ok", bad_idx])
    assert simulator.messages() == []


def test_send_refuses_an_idx_count_that_differs_from_the_recipients(simulator):
    with pytest.raises(ValueError, match="2 idx values for 1 recipients"):
        simulator.client().send(["500100200"], "Hi", idx=["a", "b"])


def test_send_reads_points_sent_as_strings(simulator):
    simulator.configure(points_as_string=True, price_per_part="0.3")

    response = simulator.client().send("500100200", "Hi")

    assert response.messages[0].points == Decimal("0.3000")


def test_scheduled_send_reports_the_planned_date(simulator):
    planned = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)

    response = simulator.client().send(["500100200"], "Later", date=planned)

    assert response.messages[0].date_sent == planned


def test_naive_send_dates_are_refused(simulator):
    with pytest.raises(ValueError, match="timezone-aware"):
        simulator.client().send(["500100200"], "Later", date=datetime(2030, 1, 1))


def test_test_mode_is_validated_but_not_charged(simulator):
    response = simulator.client().send(["500100200"], "Hi", test=True, idx=["t-1"])

    assert response.messages[0].accepted
    assert simulator.balance() == Decimal("100")
    assert simulator.messages(idx="t-1")[0]["test"] is True


def test_profile_and_ping_describe_the_account(simulator):
    client = simulator.client()

    profile = client.profile()

    assert (profile.username, profile.payment_type) == ("portal-test", "prepaid")
    assert profile.points == Decimal("100")
    assert client.ping().authorized is True


def test_sender_name_goes_from_pending_to_active_and_default(simulator):
    client = simulator.client()

    created = client.create_sender_name("Shop 24")
    assert (created.name, created.status, created.is_default) == ("Shop 24", "PENDING", False)
    assert created.created_at is not None
    simulator.decide_sender_name("Shop 24")
    assert client.get_sender_name("Shop 24").is_active
    client.make_default_sender_name("Shop 24")

    names = {n.name: n for n in client.list_sender_names()}
    assert names["Shop 24"].is_default and not names["Test"].is_default
    client.delete_sender_name("Shop 24")
    with pytest.raises(SmsapiNotFound) as error:
        client.get_sender_name("Shop 24")
    assert error.value.http_status == 404 and error.value.message == "Not found resource"


def test_invalid_sender_name_keeps_the_rest_validation_errors(simulator):
    with pytest.raises(ContentError) as error:
        simulator.client().create_sender_name("Far too long a name")

    assert error.value.code == "invalid_request_data"
    assert error.value.errors[0]["path"] == "sender"


def test_a_pending_sender_name_cannot_become_default(simulator):
    client = simulator.client()
    client.create_sender_name("Waiting")

    with pytest.raises(ContentError):
        client.make_default_sender_name("Waiting")


def test_io_service_sends_through_its_single_host(simulator):
    simulator.add_account("io-token", "io-user", service="io")

    response = simulator.client("io-token", service="io").send(["46701234567"], "Hej")

    assert response.messages[0].accepted
    assert simulator.messages(username="io-user")[0]["host"] == "smsapi.io"


def test_services_redirect_each_real_host_to_the_stand_in():
    assert redirect_url("https://api2.smsapi.pl/", "http://sim:9/") == "http://sim:9/api2.smsapi.pl/"
    assert redirect_url("https://api.smsapi.com/", "") == "https://api.smsapi.com/"
    assert get_service("pl").base_urls("http://sim") == [
        "http://sim/api.smsapi.pl/", "http://sim/api2.smsapi.pl/"]
    assert get_service("io").base_urls() == [SMSAPI_IO_BASE_URL]
    assert [s.display_name for s in SERVICES.values()] == ["SMSAPI.pl", "SMSAPI.com", "smsapi.io"]
    with pytest.raises(ValueError, match="unknown SMSAPI service"):
        get_service("de")


def test_send_passes_personalisation_params_pipe_joined_in_recipient_order(callback_receiver):
    client = SmsapiClient("t0ken", override_url=callback_receiver.url, timeout=(1, 1), failover=False)

    with pytest.raises(TransientError):  # the receiver answers "OK", which is not JSON
        client.send(["500100200", "500100201"], "Hi [%1%], code [%2%]", idx=["a", "b"],
                    params=[["Ala", "Ola"], ["X1", "Y2"]])

    form = dict(parse_qsl(callback_receiver.received[0].body))
    assert (form["param1"], form["param2"]) == ("Ala|Ola", "X1|Y2")
    client.close()


@pytest.mark.parametrize(
    ("params", "problem"),
    [([["Ala"]], "1 values for 2"), ([["A|B", "C"]], "contains '|'"), ([["a", "b"]] * 5, "at most 4")],
)
def test_send_refuses_params_that_would_break_the_lists(simulator, params, problem):
    with pytest.raises(ValueError, match=problem):
        simulator.client().send(["500100200", "500100201"], "Hi [%1%]", params=params)
    assert simulator.messages() == []


def test_a_proxy_of_the_environment_is_used_unless_the_host_is_exempt(simulator, monkeypatch):
    for name in ("NO_PROXY", "no_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    with pytest.raises(TransientError, match="could not reach"):
        simulator.client(failover=False).ping()
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert simulator.client(failover=False).ping().authorized
