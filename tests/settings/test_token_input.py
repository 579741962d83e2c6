"""A pasted token with line breaks or characters no token has: a clear form error, and the token
never reaches a log, whatever path the request takes."""

import logging

import pytest

from portal.sms.client import SmsapiClient
from portal.smsapi_account import account_for_callback, settings_for
from tests.conftest import in_account

SECRET_PART = "Zq8vSecretTokenPart0042"


@pytest.mark.parametrize("token", [
    f"{SECRET_PART}\nwrapped",
    f"{SECRET_PART}\r\nX-Injected: 1",
    f"{SECRET_PART}ąść",
    f"{SECRET_PART}\u200b",
    f"{SECRET_PART}\x00",
])
def test_bad_tokens_get_a_form_error_and_never_reach_the_log(
    app, admin_client, account, smsapi, caplog, token
):
    with caplog.at_level(logging.DEBUG):
        response = admin_client.post("/settings/connection", data={"service": "pl", "token": token})
    assert response.status_code == 422
    page = response.data.decode()
    assert SECRET_PART not in page
    assert SECRET_PART not in caplog.text
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).is_connected is False


def test_a_token_wrapped_over_lines_is_joined_and_connects(app, admin_client, account, smsapi):
    token = smsapi.token
    pasted = f"  {token[:5]}\n{token[5:]}\n"
    response = admin_client.post("/settings/connection", data={"service": "pl", "token": pasted})
    assert response.status_code == 302
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).token_last4 == token[-4:]


def test_invalid_character_error_names_the_problem(admin_client, smsapi):
    response = admin_client.post("/settings/connection", data={"service": "pl", "token": "abcąść"})
    assert "holds characters a token never has" in response.data.decode()


def test_the_client_refuses_a_header_unsafe_token_without_repeating_it():
    with pytest.raises(ValueError) as refused:
        SmsapiClient(f"{SECRET_PART}\nmore")
    assert SECRET_PART not in str(refused.value)


def test_callback_account_past_the_id_range_finds_nothing(app):
    with app.app_context():
        assert account_for_callback("99999999999999999999", "secret") is None
