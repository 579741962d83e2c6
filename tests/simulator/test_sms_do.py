"""The simulator's sms.do and user.do as raw HTTP sees them: shapes, refusals, charging, hosts."""

from decimal import Decimal

import requests


def _post(simulator, host="api.smsapi.pl", path="sms.do", token=None, **form):
    headers = {"Authorization": f"Bearer {token or simulator.token}"}
    response = requests.post(simulator.base_url(host) + path, data={"format": "json", **form},
                             headers=headers, timeout=5)
    assert response.status_code == 200
    return response.json()


def test_check_idx_refuses_a_used_idx_with_53_and_counts_it(simulator):
    assert _post(simulator, to="500100200", message="Hi", idx="d-1", check_idx="1")["count"] == 1

    body = _post(simulator, to="500100200", message="Hi", idx="d-1", check_idx="1")

    assert body["error"] == 53
    assert simulator.state()["duplicates_refused_by_idx"] == {"d-1": 1}


def test_without_check_idx_a_used_idx_is_sent_again(simulator):
    _post(simulator, to="500100200", message="Hi", idx="d-2")

    assert _post(simulator, to="500100200", message="Hi", idx="d-2")["count"] == 1


def test_error_13_lists_every_invalid_number(simulator):
    simulator.configure(invalid_numbers=["48500999999"])

    body = _post(simulator, to="500999999,12", message="Hi")

    assert body["error"] == 13
    assert [n["submitted_number"] for n in body["invalid_numbers"]] == ["500999999", "12"]


def test_some_invalid_numbers_do_not_stop_the_valid_ones(simulator):
    body = _post(simulator, to="500100200,12", message="Hi")

    assert body["count"] == 1
    assert body["invalid_numbers"][0]["submitted_number"] == "12"


def test_too_many_recipients_is_19(simulator):
    simulator.configure(max_recipients=3)

    assert _post(simulator, to="500100200,500100201,500100202,500100203", message="Hi")["error"] == 19


def test_points_go_down_per_part(simulator):
    body = _post(simulator, to="500100200,500100201", message="ł" * 71, details="1")

    assert [item["parts"] for item in body["list"]] == [2, 2]
    assert (body["length"], body["parts"]) == (71, 2)
    assert simulator.balance() == Decimal("100") - 4 * Decimal("0.16")


def test_normalize_strips_diacritics_before_counting(simulator):
    body = _post(simulator, to="500100200", message="Zażółć gęślą jaźń", normalize="1", details="1")

    assert body["message"] == "Zazolc gesla jazn"


def test_a_malformed_date_is_54_only_with_date_validate(simulator):
    assert _post(simulator, to="500100200", message="Hi", date="soon", date_validate="1")["error"] == 54
    assert _post(simulator, to="500100200", message="Hi", date="soon")["count"] == 1


def test_idx_count_must_match_the_recipients(simulator):
    assert _post(simulator, to="500100200,500100201", message="Hi", idx="only-one")["error"] == 20


def test_user_do_reports_the_balance(simulator):
    response = requests.get(simulator.base_url() + "user.do", params={"credits": "1", "format": "json"},
                            headers={"Authorization": f"Bearer {simulator.token}"}, timeout=5)

    assert response.json()["points"] == 100.0


def test_smsapi_io_answers_on_both_path_forms_unless_told_otherwise(simulator):
    simulator.add_account("io-token", "io-user", service="io")

    for path in ("sms.do", "api/sms.do"):
        body = _post(simulator, "smsapi.io", path, token="io-token", to="46701234567", message="Hej")
        assert body["count"] == 1
    simulator.configure(io_path_prefixes=["api/"])
    response = requests.post(simulator.base_url("smsapi.io") + "sms.do", timeout=5)
    assert response.status_code == 404


def test_an_unknown_host_is_not_found(simulator):
    assert requests.get(f"{simulator.url}/api.example.com/ping", timeout=5).status_code == 404


def test_the_answer_escapes_idx_and_submitted_numbers_as_json(simulator):
    body = _post(simulator, to="500100200,+48 500 100 201", message="Hi", idx='q"1\\|zażółć', details="1")

    assert [(item["idx"], item["submitted_number"]) for item in body["list"]] == [
        ('q"1\\', "500100200"), ("zażółć", "+48 500 100 201")]
    assert (body["message"], body["parts"]) == ("Hi", 1)
