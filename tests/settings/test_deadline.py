"""SMSAPI calls made while a person waits share one deadline, well under the web worker's timeout: a
slow SMSAPI gets the friendly message instead of a killed worker. Jobs keep the plain timeouts."""

from portal.extensions import db
from portal.models import User
from portal.settings.service import check_connection, connect_token
from portal.smsapi_account import settings_for
from tests.conftest import in_account


def _slow_smsapi(app, simulator, *, deadline: float) -> None:
    """SMSAPI answers after 1.5 s: within the read timeout, beyond the request's deadline."""
    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=5.0,
                      SMSAPI_INTERACTIVE_DEADLINE=deadline)
    simulator.faults(latency=1.5)


def test_a_slow_smsapi_beyond_the_deadline_gets_the_friendly_message(app, admin_client, account, simulator):
    _slow_smsapi(app, simulator, deadline=1.0)
    response = admin_client.post("/settings/connection", data={"service": "pl", "token": simulator.token})
    assert response.status_code == 422
    assert "SMSAPI could not be reached just now. Nothing was saved" in response.data.decode()
    with in_account(app, account.account_id):
        assert not settings_for(account.account_id).is_connected


def test_each_request_gets_its_own_budget(app, admin_client, account, simulator):
    """Two requests of one call (1.5 s) each fit a budget of 2 s: the deadline is per request."""
    _slow_smsapi(app, simulator, deadline=2.0)
    connected = admin_client.post("/settings/connection", data={"service": "pl", "token": simulator.token})
    assert connected.status_code == 302
    checked = admin_client.post("/settings/connection/check", follow_redirects=True)
    assert "Checked just now, nothing changed." in checked.data.decode()


def test_jobs_and_commands_have_no_deadline_only_the_timeouts(app, account, simulator):
    _slow_smsapi(app, simulator, deadline=0.5)
    with in_account(app, account.account_id):
        connect_token(account.account_id, db.session.get(User, account.admin_id), "pl", simulator.token)
        check_connection(account.account_id)
        assert settings_for(account.account_id).smsapi_username == simulator.username


def test_a_client_past_its_deadline_fails_as_transient_without_calling(simulator):
    import time

    import pytest

    from portal.sms.errors import TransientError

    client = simulator.client(deadline_at=time.monotonic() - 1)
    with pytest.raises(TransientError, match="deadline"):
        client.profile()
