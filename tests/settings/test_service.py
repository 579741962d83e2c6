"""Building the SMSAPI client of an account from its stored settings."""

import pytest

from portal.extensions import db
from portal.smsapi_account import NotConnected, client_for_account, sends_in_test_mode, settings_for
from portal.token_vault import encrypt_token
from tests.conftest import in_account


def test_new_accounts_have_settings_with_test_mode_on(app, account):
    with in_account(app, account.account_id):
        settings = settings_for(account.account_id)
        assert settings.test_mode is True
        assert settings.is_connected is False
        assert len(settings.callback_secret) >= 32
        assert sends_in_test_mode(account.account_id) is True


def test_client_for_an_unconnected_account_is_refused(app, account):
    with in_account(app, account.account_id), pytest.raises(NotConnected):
        client_for_account(account.account_id)


def test_client_for_a_connected_account_talks_to_the_configured_smsapi(app, account, simulator):
    app.config["SMSAPI_API_URL"] = simulator.url
    with in_account(app, account.account_id):
        settings = settings_for(account.account_id)
        settings.token_ciphertext = encrypt_token(simulator.token)
        db.session.commit()
        with client_for_account(account.account_id) as client:
            assert client.profile().username == simulator.username
