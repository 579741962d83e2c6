"""The rules for accounts and their users, shared by the views and the command line.

The functions flush; the view or command that calls them commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from portal.audit import record_event
from portal.auth.passwords import MIN_PASSWORD_LENGTH, hash_password
from portal.auth.service import normalize_email
from portal.extensions import db
from portal.locking import lock_account
from portal.models import Account, Role, SmsSettings, User


class UserRuleError(ValueError):
    """A change to users that the rules refuse; the message says why, for the person asking."""


LAST_ADMIN = "An account needs at least one active admin: make someone else admin first."
NOT_YOURSELF = "You cannot deactivate yourself: ask another admin."


@dataclass(frozen=True, slots=True)
class Refusals:
    """Changes the rules would refuse for one user, with the reason the page shows instead."""

    role: str | None = None
    deactivate: str | None = None


def refusals_for(users: list[User], by: User) -> dict[int, Refusals]:
    """What the users page must not offer on each row (the same rules as the changes themselves)."""
    if not users:
        return {}
    admins = _active_admins(users[0].account_id)
    refusals = {}
    for user in users:
        last_admin = user.active and user.role == Role.ADMIN and admins <= 1
        refusals[user.id] = Refusals(
            role=LAST_ADMIN if last_admin else None,
            deactivate=NOT_YOURSELF if user.id == by.id else LAST_ADMIN if last_admin else None,
        )
    return refusals


def create_account(name: str, admin_email: str, admin_password: str) -> User:
    """A new account with its first admin (flushed; the caller commits)."""
    account = Account(name=name.strip())
    db.session.add(account)
    db.session.flush()
    admin = _new_user(account.id, admin_email, Role.ADMIN, admin_password)
    db.session.add(SmsSettings(account_id=account.id))  # test mode on until an admin switches it off
    record_event(
        account.id, None, "account.created", f"Account “{account.name}” created with admin {admin.email}"
    )
    db.session.flush()
    return admin


def add_user(account_id: int, by: User, email: str, role: Role, password: str) -> User:
    """Add a user to the account of admin `by` (flushed; the caller commits)."""
    user = _new_user(account_id, email, role, password)
    record_event(account_id, by, "user.added", f"{by.email} added {user.email} as {role.label.lower()}")
    db.session.flush()
    return user


def change_role(user: User, role: Role, by: User) -> None:
    _lock_and_refresh(user)
    if user.role == role:
        return
    if user.role == Role.ADMIN and _is_last_active_admin(user):
        raise UserRuleError(LAST_ADMIN)
    previous = Role(user.role)
    user.role = role.value
    record_event(
        user.account_id, by, "user.role_changed",
        f"{by.email} changed {user.email} from {previous.label.lower()} to {role.label.lower()}",
    )
    db.session.flush()


def set_active(user: User, active: bool, by: User) -> None:
    _lock_and_refresh(user)
    if user.active == active:
        return
    if not active and user.id == by.id:
        raise UserRuleError(NOT_YOURSELF)
    if not active and user.role == Role.ADMIN and _is_last_active_admin(user):
        raise UserRuleError(LAST_ADMIN)
    user.active = active
    if not active:
        user.end_sessions()
    verb = "reactivated" if active else "deactivated"
    record_event(user.account_id, by, f"user.{verb}", f"{by.email} {verb} {user.email}")
    db.session.flush()


def _new_user(account_id: int, email: str, role: Role, password: str) -> User:
    email = normalize_email(email)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserRuleError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")
    taken = db.session.scalar(
        select(User.id).where(User.email == email).execution_options(all_accounts=True)
    )
    if taken is not None:
        raise UserRuleError("This e-mail address already belongs to a user.")
    user = User(account_id=account_id, email=email, role=role.value, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    return user


def make_admin(email: str) -> User:
    """Make a user an active admin (the way back into an account locked out of its admins); flushed."""
    user = db.session.scalar(
        select(User).where(User.email == normalize_email(email)).execution_options(all_accounts=True)
    )
    if user is None:
        raise UserRuleError(f"There is no user with the e-mail {normalize_email(email)}.")
    lock_account(user.account_id)
    db.session.refresh(user)
    if user.is_admin and user.active:
        return user
    user.role, user.active = Role.ADMIN.value, True
    record_event(user.account_id, None, "user.made_admin",
                 f"{user.email} was made an active admin from the command line")
    db.session.flush()
    return user


def _lock_and_refresh(user: User) -> None:
    """Serialise user changes of the account, then read the user as the last change left it."""
    lock_account(user.account_id)
    db.session.refresh(user)


def _is_last_active_admin(user: User) -> bool:
    return user.active and _active_admins(user.account_id) <= 1


def _active_admins(account_id: int) -> int:
    return db.session.scalar(
        select(func.count(User.id)).where(
            User.account_id == account_id, User.role == Role.ADMIN.value, User.active.is_(True)
        )
    )
