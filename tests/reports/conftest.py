"""A campaign with reports applied through the real endpoint, for the report pages."""

from __future__ import annotations

import pytest

from portal.extensions import db
from portal.smsapi_account import CALLBACK_PATH, settings_for
from tests.conftest import in_account
from tests.messages import sent_campaign


@pytest.fixture
def report_to(app):
    """POST a batch of (message position, status) reports for a sent campaign, as SMSAPI would."""

    def send(account_id: int, sent, outcomes: dict[int, int], points: str = "0.16") -> None:
        with in_account(app, account_id):
            secret = settings_for(account_id).callback_secret
            db.session.commit()
        positions = list(outcomes)
        response = app.test_client().post(
            CALLBACK_PATH, query_string={"account": account_id, "secret": secret},
            data={"MsgId": ",".join(sent.smsapi_id(p) for p in positions),
                  "status": ",".join(str(outcomes[p]) for p in positions),
                  "status_name": ",".join({404: "DELIVERED", 405: "UNDELIVERED", 402: "EXPIRED",
                                           403: "SENT", 406: "FAILED"}[outcomes[p]] for p in positions),
                  "points": ",".join([points] * len(positions))},
        )
        assert response.text == "OK"

    return send


@pytest.fixture
def reported(app, account, report_to):
    """Ten messages: 5 delivered, 2 undelivered, 1 expired, 1 failed, 1 still pending."""
    sent = sent_campaign(app, account.account_id, 10)
    report_to(account.account_id, sent, {0: 404, 1: 404, 2: 404, 3: 404, 4: 404, 5: 405, 6: 405, 7: 402,
                                         8: 406, 9: 403})
    return sent
