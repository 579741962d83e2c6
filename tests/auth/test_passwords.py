"""People change their own password; an admin makes a one-time reset link; the command line makes an
admin when an account has none left."""

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import PASSWORD, get_user, in_account

NEW_PASSWORD = "a brand new long password"


def test_user_changes_their_password_and_other_sessions_end(app, client, auth, account):
    elsewhere = app.test_client()
    elsewhere.post("/login", data={"email": account.member_email, "password": PASSWORD})
    auth.login(account.member_email)
    response = client.post("/account/password", data={
        "current": PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/campaigns/").status_code == 200  # this session goes on
    assert elsewhere.get("/campaigns/").status_code == 302
    auth.logout()
    assert auth.login(account.member_email, PASSWORD).status_code == 401
    assert auth.login(account.member_email, NEW_PASSWORD).status_code == 302


def test_password_change_needs_the_current_password(member_client):
    response = member_client.post("/account/password", data={
        "current": "not it", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 422
    assert "not your current password" in response.data.decode()


def test_admin_reset_link_works_once(app, admin_client, account):
    page = admin_client.post(f"/users/{account.member_id}/reset-link")
    assert page.status_code == 200
    link = re.search(r'value="https://portal.example(/reset/[^"]+)"', page.data.decode()).group(1)
    visitor = app.test_client()
    assert visitor.get(link).status_code == 200
    done = visitor.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    signed_in = visitor.post("/login", data={"email": account.member_email, "password": NEW_PASSWORD})
    assert signed_in.status_code == 302
    other = "another long password"
    again = app.test_client().post(link, data={"password": other, "confirm": other})
    assert again.status_code == 404
    with in_account(app, account.account_id):
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert "user.reset_link_made" in actions and "user.password_reset" in actions


def test_a_forged_reset_link_is_refused(client):
    assert client.get("/reset/not-a-token").status_code == 404


def test_member_cannot_make_reset_links(member_client, account):
    assert member_client.post(f"/users/{account.admin_id}/reset-link").status_code == 403


def test_make_admin_command_recovers_an_account(app, account):
    result = app.test_cli_runner().invoke(args=["make-admin", account.member_email.upper()])
    assert result.exit_code == 0, result.output
    assert get_user(app, account.member_email).role == "admin"
    missing = app.test_cli_runner().invoke(args=["make-admin", "nobody@nowhere.example"])
    assert missing.exit_code != 0
    assert "no user" in missing.output
