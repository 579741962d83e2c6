"""Account scoping: every ORM SELECT of an account-owned model sees only the current account.

The current account is set once per request, when the signed-in user is loaded, and can be set
explicitly for work outside a request (`account_scope`). Code that must look across accounts (the
periodic jobs, the sign-in look-up) runs where no account is set, or asks for it with the
`all_accounts` execution option.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import BigInteger, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria

from portal.extensions import db
from portal.ids import in_id_range
from portal.models.base import AccountScoped

Model = TypeVar("Model", bound=AccountScoped)


def current_account_id() -> int | None:
    return g.get("account_id") if has_app_context() else None


def set_current_account(account_id: int | None) -> None:
    g.account_id = account_id


@contextmanager
def account_scope(account_id: int) -> Iterator[None]:
    """Run a block as if signed in to `account_id` (for jobs and the command line)."""
    previous = current_account_id()
    set_current_account(account_id)
    try:
        yield
    finally:
        set_current_account(previous)


@event.listens_for(Session, "do_orm_execute")
def _limit_to_current_account(state: ORMExecuteState) -> None:
    if not state.is_select or state.is_column_load or state.is_relationship_load:
        return
    if state.execution_options.get("all_accounts"):
        return
    account_id = current_account_id()
    if account_id is None:
        return
    state.statement = state.statement.options(
        with_loader_criteria(
            AccountScoped, lambda cls: cls.account_id == account_id, include_aliases=True
        )
    )


def get_scoped_or_404(model: type[Model], ident: int) -> Model:
    """The row of `model` with this id in the current account, or a 404 for anything else."""
    if not in_id_range(ident, big=isinstance(model.__table__.c.id.type, BigInteger)):
        abort(404)
    row = db.session.get(model, ident)
    if row is None or row.account_id != current_account_id():
        abort(404)
    return row
