"""The RQ job functions: thin, each loads ids, calls the domain function a view would call, commits.

Jobs are enqueued with `portal.queue.enqueue`, which wraps them in `portal.worker.run_in_app`: every
job runs in a fresh app context with its own database session, removed at the end, whatever worker
runs it. Work for one account runs inside `account_scope(account_id)`.
"""

from __future__ import annotations

import logging

from flask import current_app

from portal.contacts import importer
from portal.contacts.csv_import import FileFormatError
from portal.delivery import apply, simulated
from portal.extensions import db
from portal.models import ContactImport, ImportStatus
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


def import_contacts(account_id: int, import_id: int) -> str:
    """Stage an uploaded file batch by batch (each committed with the progress), then merge it in
    one transaction; a cancelled or failed import drops what it staged."""
    with account_scope(account_id):
        upload = db.session.get(ContactImport, import_id)
        if upload is None or upload.account_id != account_id or not upload.is_running:
            return "nothing to do"
        if upload.status == ImportStatus.CANCELLING:
            return _end(upload, ImportStatus.CANCELLED)
        upload.status = ImportStatus.RUNNING.value
        db.session.commit()
        try:
            for _rows in importer.stage_rows(upload):
                db.session.commit()
            importer.merge_staged(upload)
            db.session.commit()
        except importer.ImportCancelled:
            return _end(upload, ImportStatus.CANCELLED)
        except FileFormatError as error:
            return _end(upload, ImportStatus.FAILED, str(error))
        except Exception:
            log.exception("Contacts import %s failed", import_id)
            _end(upload, ImportStatus.FAILED, "The import stopped because of an error on our side. "
                 "Nothing was imported; try again, and tell us if it happens again.")
            raise
        return upload.status


def _end(upload: ContactImport, status: ImportStatus, error: str | None = None) -> str:
    db.session.rollback()
    importer.discard(upload, status, error)
    db.session.commit()
    return status.value


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

