"""The token only ever travels in the Authorization header: never in a repr, a message, a log or a URL."""

import logging

import pytest

from portal.sms.client import SmsapiClient
from portal.sms.errors import SmsapiAuthError, SmsapiError, TransientError
from tests.plugins.simulator import SIMULATOR_TOKEN

PRIMARY, BACKUP = "api.smsapi.pl", "api2.smsapi.pl"


def _texts(error: BaseException) -> list[str]:
    """What a traceback or an RQ failure record would show of an exception and its causes."""
    texts = []
    while error is not None:
        texts += [str(error), repr(error), repr(error.args)]
        error = error.__cause__ or error.__context__
    return texts


def test_the_client_repr_hides_the_token(simulator):
    client = simulator.client()

    assert SIMULATOR_TOKEN not in repr(client)
    assert SIMULATOR_TOKEN not in repr(vars(client))


def test_the_token_travels_only_in_the_authorization_header(callback_receiver):
    client = SmsapiClient(SIMULATOR_TOKEN, override_url=callback_receiver.url, timeout=(1, 1))
    with client, pytest.raises(SmsapiError):
        client.send(["500100200"], "Hi")

    request = callback_receiver.received[0]
    assert request.headers["Authorization"] == f"Bearer {SIMULATOR_TOKEN}"
    assert SIMULATOR_TOKEN not in request.path + request.body


def test_errors_from_smsapi_do_not_carry_the_token(simulator):
    with pytest.raises(SmsapiAuthError) as error:
        simulator.client(SIMULATOR_TOKEN + "-revoked").send(["500100200"], "Hi")

    assert not any(SIMULATOR_TOKEN in text for text in _texts(error.value))


def test_errors_raised_from_requests_do_not_carry_the_token(simulator, caplog):
    simulator.faults(unreachable=[PRIMARY, BACKUP])
    caplog.set_level(logging.DEBUG)

    with pytest.raises(TransientError) as error:
        simulator.client().send(["500100200"], "Hi")

    assert isinstance(error.value.__cause__, Exception)
    assert not any(SIMULATOR_TOKEN in text for text in _texts(error.value))
    assert "trying the backup host" in caplog.text
    assert SIMULATOR_TOKEN not in caplog.text


def test_timeouts_and_debug_logs_do_not_carry_the_token(simulator, caplog):
    simulator.faults(timeout_rate=1, timeout_seconds=0.8, fault_hosts=[PRIMARY])
    caplog.set_level(logging.DEBUG)
    client = simulator.client(timeout=(1.0, 0.3))

    client.send(["500100200"], "Hi")

    assert "HTTP 200" in caplog.text
    assert SIMULATOR_TOKEN not in caplog.text
