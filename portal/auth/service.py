"""Checking credentials, loading the signed-in user, and changing or resetting passwords."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from portal.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, needs_rehash, verify_password
from portal.extensions import db
from portal.ids import in_id_range
from portal.models import User, utcnow

DEACTIVATED = "Your user was deactivated by an admin of your account, so you were signed out."
SESSION_ENDED = (
    "Your session has ended (you signed out, or the password was changed). Please sign in again."
)
#: How long a password-reset link made by an admin works (it also stops once used).
RESET_LINK_MAX_AGE = 24 * 3600


class PasswordError(ValueError):
    """A password change the rules refuse; the message is for the person typing."""


def normalize_email(email: str) -> str:
    return email.strip().lower()


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None, taking the same time either way (flushed)."""
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


def load_session_user(session_id: str) -> tuple[User | None, str | None]:
    """The user behind a session or remember-me cookie ("id:version"), or None and why it ended."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit() or not in_id_range(int(user_id)):
        return None, None
    user = db.session.get(User, int(user_id), execution_options={"all_accounts": True})
    if user is None:
        return None, None
    if not user.active:
        return None, DEACTIVATED
    if int(version) != user.session_version:
        return None, SESSION_ENDED
    return user, None


def set_password(user: User, password: str) -> None:
    """A new password; every session of the user ends (flushed, the caller commits)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise PasswordError(f"Use at least {MIN_PASSWORD_LENGTH} characters.")
    user.password_hash = hash_password(password)
    user.end_sessions()
    db.session.flush()


def change_own_password(user: User, current: str, new: str) -> None:
    """The signed-in user's new password, once the current one is confirmed."""
    if not verify_password(user.password_hash, current):
        raise PasswordError("That is not your current password.")
    set_password(user, new)


def _reset_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="password-reset")


def make_reset_token(user: User) -> str:
    """A token for a one-time reset link: it names the password it replaces, so it works once."""
    return _reset_serializer().dumps({"user": user.id, "hash": user.password_hash[-16:]})


def user_for_reset_token(token: str) -> User | None:
    """The user a reset link is for, or None when it is forged, expired or already used."""
    try:
        data = _reset_serializer().loads(token, max_age=RESET_LINK_MAX_AGE)
    except BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("user"), int):
        return None
    user = db.session.get(User, data["user"], execution_options={"all_accounts": True})
    if user is None or not user.active or user.password_hash[-16:] != data.get("hash"):
        return None
    return user
