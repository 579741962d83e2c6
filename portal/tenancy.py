"""Account scoping, in one mechanism that fails closed.

Every ORM SELECT, and every ORM-enabled bulk `update(Model)` / `delete(Model)`, that touches an
`AccountScoped` model is limited to the current account. The current account is set explicitly: by
the request hook after sign-in (`portal.auth`), and by `account_scope(...)` in jobs, commands and the
unauthenticated callback endpoint. A statement that touches an account-scoped table while no account
is set raises `AccountScopeMissing` instead of seeing every account; code that must look across
accounts (the sign-in look-up, the periodic jobs choosing accounts) says so with
`.execution_options(all_accounts=True)`.

Core statements the ORM does not see as entities (`insert(...).from_select(...)`, `text(...)`) are not
covered: they filter `account_id` explicitly.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import abort, g, has_app_context
from sqlalchemy import BigInteger, Table, event
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql import visitors

from portal.extensions import db
from portal.ids import in_id_range
from portal.models.base import AccountScoped

Model = TypeVar("Model", bound=AccountScoped)


class AccountScopeMissing(RuntimeError):
    """An account-scoped statement ran with no current account and without `all_accounts=True`."""


def current_account_id() -> int | None:
    return g.get("account_id") if has_app_context() else None


def set_current_account(account_id: int | None) -> None:
    g.account_id = account_id


@contextmanager
def account_scope(account_id: int) -> Iterator[None]:
    """Run a block as if signed in to `account_id` (for jobs, commands and the callback endpoint)."""
    previous = current_account_id()
    set_current_account(account_id)
    try:
        yield
    finally:
        set_current_account(previous)


@event.listens_for(Session, "do_orm_execute")
def _limit_to_current_account(state: ORMExecuteState) -> None:
    # Lazy loads and refreshes of rows already loaded carry the criteria of the query that loaded them.
    if state.is_column_load or state.is_relationship_load:
        return
    if not (state.is_select or state.is_update or state.is_delete):
        return
    if state.execution_options.get("all_accounts"):
        return
    account_id = current_account_id()
    if account_id is None:
        if _touches_account_scoped_table(state.statement):
            raise AccountScopeMissing(
                "An account-scoped query ran with no account set: run it inside account_scope(...) or "
                "pass .execution_options(all_accounts=True) where every account is meant."
            )
        return
    state.statement = state.statement.options(
        with_loader_criteria(AccountScoped, lambda cls: cls.account_id == account_id, include_aliases=True)
    )


def _account_scoped_tables() -> frozenset[Table]:
    tables = getattr(_account_scoped_tables, "cache", None)
    if tables is None:
        tables = frozenset(
            mapper.local_table
            for mapper in db.Model.registry.mappers
            if issubclass(mapper.class_, AccountScoped)
        )
        _account_scoped_tables.cache = tables
    return tables


def _touches_account_scoped_table(statement) -> bool:
    """Whether any table of an account-scoped model appears anywhere in the statement (subqueries too)."""
    scoped = _account_scoped_tables()
    return any(isinstance(element, Table) and element in scoped for element in visitors.iterate(statement))


def get_scoped(model: type[Model], ident: int) -> Model | None:
    """The row of `model` with this id in the current account, or None (also for another account's
    row already in the session's identity map, which `Session.get` returns without a query). An id
    past what the id column holds finds nothing (the database would fail on it)."""
    if not in_id_range(ident, big=isinstance(model.__table__.c.id.type, BigInteger)):
        return None
    row = db.session.get(model, ident)
    if row is None or row.account_id != current_account_id():
        return None
    return row


def get_scoped_or_404(model: type[Model], ident: int) -> Model:
    """The row of `model` with this id in the current account, or a 404 for anything else."""
    row = get_scoped(model, ident)
    if row is None:
        abort(404)
    return row
