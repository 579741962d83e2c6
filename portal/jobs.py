"""The RQ job functions: thin, each calls the domain function a view would call.

Everything a job needs is imported here, in the worker, so a forked job does not import it again.
"""

from __future__ import annotations

import logging

from portal.campaigns.reconcile import reconcile
from portal.campaigns.sending import run_chain_link, send_test_sends
from portal.senders.service import sync_accounts_with_pending_names
from portal.tenancy import account_scope

log = logging.getLogger(__name__)


def sync_sender_names() -> dict[int, str]:
    """Periodic: read the status of pending sender names from SMSAPI, account by account."""
    outcome = sync_accounts_with_pending_names()
    log.info("Sender names synced for %d account(s): %s", len(outcome), outcome)
    return outcome


def send_campaign_chunk(account_id: int, campaign_id: int, slot: int, seq: int) -> int:
    """One link of a campaign's send chain: claim a chunk, send it, record it, enqueue the next."""
    with account_scope(account_id):
        return run_chain_link(account_id, campaign_id, slot, seq)


def send_test_messages(account_id: int, campaign_id: int) -> int:
    """Send a campaign's queued test sends (any status of the campaign), through the same pipeline."""
    with account_scope(account_id):
        return send_test_sends(account_id, campaign_id)


def reconcile_campaigns() -> dict[str, int]:
    """Periodic: start due schedules, release expired leases, re-enqueue campaigns without a job."""
    outcome = reconcile()
    return {"started": outcome.started, "released": outcome.released, "checked": outcome.campaigns_checked}
