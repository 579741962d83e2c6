""""At least one active admin" holds when two admins change each other at the same moment: real
threads, each with its own connection, against the real database of the run."""

import threading

import pytest
from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Role, User
from portal.tenancy import account_scope
from portal.users.service import UserRuleError, add_user, change_role, set_active
from tests.conftest import PASSWORD


def _two_admins(app, account):
    with app.app_context(), account_scope(account.account_id):
        admin = db.session.get(User, account.admin_id)
        second = add_user(account.account_id, admin, "second-admin@areto-net.example", Role.ADMIN, PASSWORD)
        db.session.commit()
        return account.admin_id, second.id


def _at_the_same_time(app, account, changes):
    """Run each change(user, by) in its own thread, all released together; returns the errors."""
    start = threading.Barrier(len(changes))
    errors = []

    def run(change, user_id, by_id):
        with app.app_context(), account_scope(account.account_id):
            user, by = db.session.get(User, user_id), db.session.get(User, by_id)
            start.wait()
            try:
                change(user, by)
                db.session.commit()
            except UserRuleError as refused:
                db.session.rollback()
                errors.append(refused)

    threads = [threading.Thread(target=run, args=args) for args in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def _active_admins(app, account) -> int:
    with app.app_context(), account_scope(account.account_id):
        return db.session.scalar(select(func.count(User.id)).where(
            User.account_id == account.account_id, User.role == Role.ADMIN.value, User.active.is_(True)))


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_demotions_leave_one_admin(app, account, attempt):
    first, second = _two_admins(app, account)
    demote = lambda user, by: change_role(user, Role.MEMBER, by)  # noqa: E731
    errors = _at_the_same_time(app, account, [(demote, first, second), (demote, second, first)])
    assert _active_admins(app, account) == 1
    assert len(errors) == 1 and "at least one active admin" in str(errors[0])


@pytest.mark.parametrize("attempt", range(3))
def test_two_concurrent_deactivations_leave_one_admin(app, account, attempt):
    first, second = _two_admins(app, account)
    deactivate = lambda user, by: set_active(user, False, by)  # noqa: E731
    errors = _at_the_same_time(app, account, [(deactivate, first, second), (deactivate, second, first)])
    assert _active_admins(app, account) == 1
    assert len(errors) == 1
