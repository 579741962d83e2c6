"""Serialising changes per account: one lock on the account's row, taken before a rule is checked.

Rules that span rows ("at least one active admin", "one default sender") cannot be checked by two
transactions side by side. PostgreSQL locks the account row (`SELECT ... FOR UPDATE`); SQLite has no
row locks but one writer at a time, so a no-op write to the row takes the database's write lock
(what `BEGIN IMMEDIATE` would) before the check reads anything. Either way the second transaction
waits, then checks against what the first committed. The lock ends with the caller's commit.
"""

from __future__ import annotations

from sqlalchemy import select, update

from portal.extensions import db
from portal.models import Account


def lock_account(account_id: int) -> None:
    """Hold the account's lock until the current transaction ends."""
    if db.session.get_bind().dialect.name == "sqlite":
        # pysqlite opens the transaction at the first write, so no older snapshot is kept around.
        db.session.execute(update(Account).where(Account.id == account_id).values(id=Account.id))
    else:
        db.session.execute(select(Account.id).where(Account.id == account_id).with_for_update())
