"""The RQ job functions: thin, each calls the domain function a view would call."""

from __future__ import annotations

import logging

from portal.senders.service import sync_accounts_with_pending_names

log = logging.getLogger(__name__)


def sync_sender_names() -> dict[int, str]:
    """Periodic: read the status of pending sender names from SMSAPI, account by account."""
    outcome = sync_accounts_with_pending_names()
    log.info("Sender names synced for %d account(s): %s", len(outcome), outcome)
    return outcome
