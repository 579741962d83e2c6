"""Every SMSAPI failure the client turns into a typed exception, provoked through the simulator."""

from decimal import Decimal

import pytest

from portal.sms.client import SmsapiClient
from portal.sms.errors import (
    ContentError,
    DuplicateIdx,
    InsufficientPoints,
    InvalidNumber,
    InvalidRecipients,
    SmsapiAuthError,
    TransientError,
)

PRIMARY, BACKUP = "api.smsapi.pl", "api2.smsapi.pl"


def test_bad_token_is_an_auth_error_on_legacy_and_rest_endpoints(simulator):
    client = simulator.client("not-the-token")

    with pytest.raises(SmsapiAuthError) as legacy:
        client.send(["500100200"], "Hi")
    with pytest.raises(SmsapiAuthError) as rest:
        client.profile()

    assert legacy.value.code == 101
    assert rest.value.http_status == 401
    assert client.ping().authorized is False


def test_a_token_of_another_service_is_refused_with_101(simulator):
    simulator.add_account("com-token", "com-user", service="com")

    with pytest.raises(SmsapiAuthError) as error:
        simulator.client("com-token", service="pl").send(["500100200"], "Hi")

    assert error.value.code == 101
    assert simulator.client("com-token", service="com").send(["500100200"], "Hi").messages


def test_no_points_is_insufficient_points(simulator):
    simulator.update_account(points="0.1")

    with pytest.raises(InsufficientPoints) as error:
        simulator.client().send(["500100200"], "Hi")

    assert error.value.code == 103
    assert simulator.balance() == Decimal("0.1")


def test_invalid_numbers_are_parsed_from_error_13(simulator):
    with pytest.raises(InvalidRecipients) as error:
        simulator.client().send(["12345", "abc"], "Hi")

    assert error.value.code == 13
    assert error.value.invalid_numbers == [
        InvalidNumber("12345", "12345", "Invalid phone number"),
        InvalidNumber("abc", "abc", "Invalid phone number"),
    ]


def test_a_repeated_idx_is_a_duplicate_not_a_failure(simulator):
    client = simulator.client()
    client.send(["500100200"], "Hi", idx=["msg-7"])

    with pytest.raises(DuplicateIdx) as error:
        client.send(["500100200"], "Hi", idx=["msg-7"])

    assert error.value.code == 53
    assert len(simulator.messages(idx="msg-7")) == 1


def test_an_inactive_sender_is_a_content_error(simulator):
    client = simulator.client()
    client.create_sender_name("Pending")

    with pytest.raises(ContentError) as error:
        client.send(["500100200"], "Hi", sender="Pending")

    assert error.value.code == 14


def test_more_parts_than_max_parts_is_a_content_error(simulator):
    with pytest.raises(ContentError) as error:
        simulator.client().send(["500100200"], "x" * 161, max_parts=1)

    assert error.value.code == 12


def test_too_many_recipients_is_a_content_error(simulator):
    simulator.configure(max_recipients=2)

    with pytest.raises(ContentError) as error:
        simulator.client().send(["500100200", "500100201", "500100202"], "Hi")

    assert error.value.code == 19


def test_a_legacy_error_inside_an_http_4xx_is_still_read_by_code(simulator):
    simulator.configure(legacy_error_status=400)

    with pytest.raises(InvalidRecipients) as error:
        simulator.client().send(["123"], "Hi")

    assert (error.value.code, error.value.http_status) == (13, 400)


@pytest.mark.parametrize("status", [503, 500, 429])
def test_http_errors_are_transient_with_retry_after(simulator, status):
    simulator.faults(fail_rate=1, fail_status=status, retry_after=7)

    with pytest.raises(TransientError) as error:
        simulator.client(failover=False).send(["500100200"], "Hi")

    assert (error.value.http_status, error.value.retry_after) == (status, 7.0)


def test_error_202_is_transient_without_retry_after(simulator):
    simulator.faults(error202_rate=1)

    with pytest.raises(TransientError) as error:
        simulator.client(failover=False).send(["500100200"], "Hi")

    assert (error.value.code, error.value.retry_after) == (202, None)


def test_a_timeout_is_transient(simulator):
    simulator.faults(timeout_rate=1, timeout_seconds=1.0)

    with pytest.raises(TransientError, match="no answer from"):
        simulator.client(failover=False).ping()


def test_a_body_that_is_not_json_is_transient(callback_receiver):
    client = SmsapiClient("t0ken", override_url=callback_receiver.url, timeout=(1, 1))
    with client, pytest.raises(TransientError, match="not JSON"):
        client.ping()


def test_a_transient_error_on_the_primary_moves_to_the_backup_host(simulator):
    simulator.faults(fail_rate=1, fault_hosts=[PRIMARY])

    response = simulator.client().send(["500100200"], "Hi", idx=["fo-1"])

    assert response.messages[0].accepted
    assert simulator.messages(idx="fo-1")[0]["host"] == BACKUP
    assert simulator.state()["hits"] == {PRIMARY: 1, BACKUP: 1}


def test_an_unreachable_primary_moves_to_the_backup_host(simulator):
    simulator.faults(unreachable=[PRIMARY])

    assert simulator.client().profile().username == "portal-test"
    assert simulator.state()["hits"][BACKUP] == 1


def test_both_hosts_unreachable_is_transient(simulator):
    simulator.faults(unreachable=[PRIMARY, BACKUP])

    with pytest.raises(TransientError, match=r"could not reach \S*/api2\.smsapi\.pl"):
        simulator.client().send(["500100200"], "Hi")


def test_without_failover_the_primary_error_is_raised(simulator):
    simulator.faults(unreachable=[PRIMARY])

    with pytest.raises(TransientError, match=r"could not reach \S*/api\.smsapi\.pl"):
        simulator.client(failover=False).ping()
    assert BACKUP not in simulator.state()["hits"]


def test_a_service_without_backup_does_not_fail_over(simulator):
    simulator.add_account("io-token", "io-user", service="io")
    simulator.faults(unreachable=["smsapi.io"])

    with pytest.raises(TransientError, match=r"could not reach \S*/smsapi\.io"):
        simulator.client("io-token", service="io").ping()


def test_a_duplicate_after_failover_means_the_lost_answer_was_accepted(simulator):
    # The primary accepts the message, then holds its answer past the client's read timeout.
    simulator.faults(timeout_rate=1, timeout_seconds=0.8, fault_hosts=[PRIMARY])
    client = simulator.client(timeout=(1.0, 0.3))

    with pytest.raises(DuplicateIdx):
        client.send(["500100200"], "Hi", idx=["lost-1"])  # the backup refuses the retry with 53

    assert len(simulator.messages(idx="lost-1")) == 1
    assert simulator.state()["hits"] == {PRIMARY: 1, BACKUP: 1}
