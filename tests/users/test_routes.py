"""Admins add users, change roles and deactivate them; the rules protect the last admin."""

from sqlalchemy import select

from portal.extensions import db
from portal.models import AuditEvent
from tests.conftest import PASSWORD, get_user, in_account


def new_user(client, email="new@areto-net.example", role="member", password=PASSWORD, confirm=None):
    return client.post(
        "/users/new",
        data={"email": email, "role": role, "password": password, "confirm": confirm or password},
    )


def test_admin_adds_a_member_who_can_then_sign_in(admin_client, auth):
    response = new_user(admin_client)
    assert response.status_code == 302
    auth.logout()
    assert auth.login("new@areto-net.example").status_code == 302


def test_new_user_form_names_each_problem(admin_client, account):
    response = new_user(admin_client, email="not-an-email", password="short", confirm="other")
    assert response.status_code == 422
    page = response.data.decode()
    assert "Enter a valid e-mail address." in page
    assert "Use at least 12 characters." in page
    duplicate = new_user(admin_client, email=account.member_email)
    assert duplicate.status_code == 422
    assert "already belongs to a user" in duplicate.data.decode()


def test_admin_changes_a_role_in_place_with_htmx(admin_client, account):
    response = admin_client.post(
        f"/users/{account.member_id}/role", data={"role": "admin"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    html = response.data.decode()
    assert html.strip().startswith(f'<tr id="user-{account.member_id}"')
    assert "<html" not in html
    assert get_user(admin_client.application, account.member_email).role == "admin"


def test_role_change_without_htmx_redirects_back_to_the_list(admin_client, account):
    response = admin_client.post(f"/users/{account.member_id}/role", data={"role": "admin"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/users/"


def test_the_last_admin_cannot_be_demoted(admin_client, account):
    response = admin_client.post(
        f"/users/{account.admin_id}/role", data={"role": "member"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert "at least one active admin" in response.data.decode()
    assert get_user(admin_client.application, account.admin_email).role == "admin"


def test_admin_cannot_deactivate_themselves(admin_client, account):
    response = admin_client.post(f"/users/{account.admin_id}/deactivate", headers={"HX-Request": "true"})
    assert response.status_code == 422
    assert "cannot deactivate yourself" in response.data.decode()


def test_deactivated_user_is_signed_out_and_cannot_sign_in(app, client, auth, account):
    from tests.conftest import CsrfClient

    member = app.test_client()
    assert isinstance(member, CsrfClient)
    credentials = {"email": account.member_email, "password": PASSWORD}
    member.post("/login", data=credentials)
    assert member.get("/campaigns/").status_code == 200

    auth.login(account.admin_email)
    assert client.post(f"/users/{account.member_id}/deactivate").status_code == 302

    assert member.get("/campaigns/").status_code == 302
    assert member.post("/login", data=credentials).status_code == 401

    client.post(f"/users/{account.member_id}/activate")
    assert member.post("/login", data=credentials).status_code == 302


def test_member_cannot_manage_users(member_client, account):
    assert member_client.post(f"/users/{account.admin_id}/role", data={"role": "member"}).status_code == 403
    assert new_user(member_client).status_code == 403


def test_user_changes_are_in_the_audit_trail(app, admin_client, account):
    new_user(admin_client)
    admin_client.post(f"/users/{account.member_id}/role", data={"role": "admin"})
    admin_client.post(f"/users/{account.member_id}/deactivate")
    with in_account(app, account.account_id):
        actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["user.added", "user.role_changed", "user.deactivated"]


def test_own_row_offers_no_refused_change_and_says_why(admin_client, account):
    html = admin_client.get("/users/").data.decode()
    own = html[html.index(f'id="user-{account.admin_id}"'):html.index(f'id="user-{account.member_id}"')]
    assert f"/users/{account.admin_id}/deactivate" not in own
    assert f"/users/{account.admin_id}/role" not in own
    assert "You cannot deactivate yourself" in own
    assert "at least one active admin" in own
    member_row = html[html.index(f'id="user-{account.member_id}"'):]
    assert f"/users/{account.member_id}/deactivate" in member_row
    assert f"/users/{account.member_id}/role" in member_row


def test_with_a_second_admin_the_own_role_can_change_but_not_the_own_status(admin_client, account):
    admin_client.post(f"/users/{account.member_id}/role", data={"role": "admin"})
    html = admin_client.get("/users/").data.decode()
    own = html[html.index(f'id="user-{account.admin_id}"'):html.index(f'id="user-{account.member_id}"')]
    assert f"/users/{account.admin_id}/role" in own
    assert f"/users/{account.admin_id}/deactivate" not in own
