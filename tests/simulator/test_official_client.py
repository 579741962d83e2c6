"""SMSAPI's own Python client, unchanged, works against the simulator: sends, errors, balance."""

import pytest
from smsapi.client import Client
from smsapi.exception import SendException


def _official(simulator, token=None):
    return Client(domain=simulator.base_url(), access_token=token or simulator.token)


def test_the_official_client_sends_and_reads_the_results(simulator):
    result = _official(simulator).sms.send(to=["500100200", "500100201"], message="Hi",
                                           idx=["o-1", "o-2"], check_idx=1, details=1)

    assert result.count == 2
    assert [r.idx for r in result] == ["o-1", "o-2"]
    assert (result.message, result.length, result.parts) == ("Hi", 2, 1)
    assert len(simulator.messages(idx="o-1")) == 1


def test_the_official_client_reads_error_13_with_invalid_numbers(simulator):
    with pytest.raises(SendException) as error:
        _official(simulator).sms.send(to="123", message="Hi")

    assert error.value.code == 13
    assert [n.submitted_number for n in error.value.invalid_numbers] == ["123"]


def test_the_official_client_reads_error_101_for_a_bad_token(simulator):
    with pytest.raises(SendException) as error:
        _official(simulator, token="wrong").sms.send(to="500100200", message="Hi")

    assert error.value.code == 101


def test_the_official_client_reads_the_balance(simulator):
    assert _official(simulator).account.balance().points == 100.0
