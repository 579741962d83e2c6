"""Checking credentials and loading the signed-in user."""

from __future__ import annotations

from sqlalchemy import select

from portal.auth.passwords import hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.models import User, utcnow


def normalize_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None, taking the same time either way."""
    user = db.session.scalar(
        select(User).where(User.email == normalize_email(email)).execution_options(all_accounts=True)
    )
    if not verify_password(user.password_hash if user else None, password):
        return None
    if not user.active:
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def load_active_user(user_id: str) -> User | None:
    """The user behind a session cookie, or None if it is gone or deactivated."""
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id), execution_options={"all_accounts": True})
    return user if user is not None and user.active else None
