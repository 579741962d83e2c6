"""Sender-name tests: an account connected to the simulator over HTTP."""

import pytest

from portal.extensions import db
from portal.models import User
from portal.settings.service import connect_token
from tests.conftest import in_account


@pytest.fixture
def connected(app, account, simulator):
    """The account, connected to the simulator's token."""
    app.config.update(SMSAPI_API_URL=simulator.url, SMSAPI_CONNECT_TIMEOUT=1.0, SMSAPI_READ_TIMEOUT=2.0)
    with in_account(app, account.account_id):
        connect_token(account.account_id, db.session.get(User, account.admin_id), "pl", simulator.token)
        db.session.commit()
    return account
