"""`make demo`: the portal next to the SMSAPI simulator, with the demo account already connected.

The simulator runs as one more child of `flask serve --demo`; the demo account is connected through
the same domain function as the settings form, so its token is checked and encrypted the same way.
"""

from __future__ import annotations

import sys
import time

import requests
from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import User
from portal.settings.service import connect_token
from portal.tenancy import account_scope

DEMO_ADMIN_EMAIL = "admin@demo.example"
# Not a secret: it only opens the local simulator, which forgets everything when it stops.
DEMO_TOKEN = "demo-simulator-token"  # noqa: S105
DEMO_USERNAME = "demo-company"
DEMO_SERVICE = "pl"
#: Seconds until the simulator decides a new sender name, so approval can be watched happen.
DEMO_APPROVE_AFTER = 30


def simulator_flags() -> list[str]:
    """The demo's SMSAPI account in the simulator: its token, service and points, and a quick approval."""
    return ["--token", DEMO_TOKEN, "--service", DEMO_SERVICE, "--username", DEMO_USERNAME,
            "--points", "500", "--approve-after", str(DEMO_APPROVE_AFTER)]


def simulator_command(host: str, port: int) -> list[str]:
    """The simulator as a child process, serving the demo's SMSAPI account."""
    return [sys.executable, "-m", "portal.simulator", "--host", host, "--port", str(port), *simulator_flags()]


def announcement(simulator_url: str, email: str) -> str:
    """What `make demo` prints once the simulator runs: where it is, how to sign in, and the token
    to connect again after pressing Disconnect (the simulator's own page shows it too)."""
    return (f"SMSAPI simulator on {simulator_url}; the demo account is connected to it (test mode on).\n"
            f"Sign in as {email} with the password printed above. To connect again after Disconnect, "
            f"pick SMSAPI.pl and paste the token {DEMO_TOKEN} (also shown on {simulator_url}/).\n"
            f"New sender names are approved about {DEMO_APPROVE_AFTER} s after they are registered "
            f"(press \"Check now\").")


def wait_until_up(url: str, timeout: float = 15.0) -> None:
    """Block until the simulator answers, so the demo account is connected to a running one."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            requests.get(f"{url}/_simulator/config", timeout=1).raise_for_status()
            return
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the SMSAPI simulator did not start on {url}") from None
            time.sleep(0.2)


def connect_demo_account(simulator_url: str) -> str:
    """Connect the demo admin's account to the simulator; returns the admin's e-mail."""
    current_app.config["SMSAPI_API_URL"] = simulator_url
    admin = db.session.scalar(
        select(User).where(User.email == DEMO_ADMIN_EMAIL).execution_options(all_accounts=True)
    )
    if admin is None:
        raise RuntimeError("There is no demo account: run `flask demo-account` first.")
    with account_scope(admin.account_id):
        connect_token(admin.account_id, None, DEMO_SERVICE, DEMO_TOKEN)
        db.session.commit()
    return admin.email
