"""Route guards: signed in (Flask-Login's `login_required`) and admin-only."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required


def admin_required(view):
    """Only admins of the account may open this page; members get 403. The view is marked
    `admin_only`, so what the Users page says each role may do can be held to these rules."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    wrapped.admin_only = True
    return wrapped
