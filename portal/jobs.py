"""The RQ job functions: thin, each loads ids, calls the domain function a view would call, commits.

Jobs are enqueued with `portal.queue.enqueue`, which wraps them in `portal.worker.run_in_app`: every
job runs in a fresh app context with its own database session, removed at the end, whatever worker
runs it. Work for one account runs inside `account_scope(account_id)`.
"""

from __future__ import annotations

import logging

from flask import current_app

from portal.delivery import apply, simulated
from portal.extensions import db
from portal.senders import service as senders
from portal.tenancy import account_scope

log = logging.getLogger(__name__)


def sync_sender_names() -> dict[int, str]:
    """Periodic: read the status of pending sender names from SMSAPI, one account (and one commit) at
    a time, so one account failing stops no other.

    Returns per account id "ok, N changed" or why it was skipped (the job's log and result).
    """
    outcome = {}
    for account_id in senders.accounts_with_pending_names():
        with account_scope(account_id):
            try:
                result = senders.sync_sender_names(account_id)
            except senders.SenderNameError as error:
                db.session.rollback()
                log.warning("Sender names of account %s not synced: %s", account_id, error)
                outcome[account_id] = str(error)
            else:
                db.session.commit()
                outcome[account_id] = f"ok, {len(result.changes)} changed"
    log.info("Sender names synced for %d account(s): %s", len(outcome), outcome)
    return outcome


def retry_unmatched_reports() -> int:
    """Periodic: apply reports that arrived before their message's SMSAPI id was recorded."""
    moved = 0
    for account_id in apply.accounts_with_unmatched_reports():
        with account_scope(account_id):
            moved += apply.retry_unmatched_reports(account_id)
            db.session.commit()
    if moved:
        log.info("Late-matched delivery reports moved %d message(s)", moved)
    return moved


def simulate_test_mode_reports() -> int:
    """Periodic: delivery reports for test-mode messages, which SMSAPI never reports on."""
    config = current_app.config
    delay, share = config["TEST_MODE_REPORT_DELAY"], config["TEST_MODE_UNDELIVERED_SHARE"]
    made = 0
    for account_id in simulated.accounts_with_test_messages_due(delay):
        with account_scope(account_id):
            made += simulated.simulate_test_mode_reports(account_id, delay, share)
            db.session.commit()
    return made

