"""Signing in and out: one clear message for wrong credentials, throttling, deactivated users."""

from portal.auth.routes import WRONG_CREDENTIALS
from tests.conftest import PASSWORD


def test_sign_in_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Sign in" in response.data


def test_pages_redirect_to_sign_in_when_signed_out(client):
    response = client.get("/campaigns/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_admin_signs_in_and_lands_on_campaigns(client, auth, account):
    response = auth.login(account.admin_email)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/campaigns/")
    assert page.status_code == 200
    assert account.admin_email.encode() in page.data


def test_sign_in_ignores_email_case_and_spaces(client, auth, account):
    response = auth.login("  " + account.admin_email.upper() + " ")
    assert response.status_code == 302


def test_wrong_password_and_unknown_email_give_the_same_message(client, auth, account):
    wrong_password = auth.login(account.admin_email, "not the password")
    unknown_email = auth.login("nobody@nowhere.example", PASSWORD)
    for response in (wrong_password, unknown_email):
        assert response.status_code == 401
        assert WRONG_CREDENTIALS.encode() in response.data.replace(b"&#39;", b"'")
    assert client.get("/campaigns/").status_code == 302


def test_empty_form_names_the_missing_fields(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 422
    assert b"Enter your e-mail address." in response.data
    assert b"Enter your password." in response.data


def test_sign_out_ends_the_session(client, auth, account):
    auth.login(account.admin_email)
    response = auth.logout()
    assert response.status_code == 302
    assert client.get("/campaigns/").status_code == 302


def test_sign_out_needs_a_post(client, auth, account):
    auth.login(account.admin_email)
    assert client.get("/logout").status_code == 405


def test_next_parameter_only_follows_local_paths(client, auth, account):
    local = auth.login(account.admin_email, query_string={"next": "/contacts/"})
    assert local.headers["Location"] == "/contacts/"
    auth.logout()
    foreign = auth.login(account.admin_email, query_string={"next": "https://evil.example/"})
    assert foreign.headers["Location"] == "/"


def test_repeated_failures_for_one_email_are_refused_for_a_while(app, client, auth, account):
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "3 per 15 minutes"
    for _ in range(3):
        assert auth.login(account.admin_email, "wrong password").status_code == 401
    blocked = auth.login(account.admin_email, PASSWORD)
    assert blocked.status_code == 429
    assert b"try again in 15 minutes" in blocked.data
    # Another e-mail from the same address is still allowed.
    assert auth.login(account.member_email).status_code == 302


def test_repeated_failures_from_one_address_are_refused(app, client, auth, account):
    app.config["LOGIN_LIMIT_PER_ADDRESS"] = "4 per 15 minutes"
    for number in range(4):
        assert auth.login(f"guess{number}@nowhere.example", "wrong password").status_code == 401
    assert auth.login(account.admin_email).status_code == 429


def test_successful_sign_ins_do_not_count_towards_the_limit(app, client, auth, account):
    app.config["LOGIN_LIMIT_PER_EMAIL"] = "2 per 15 minutes"
    for _ in range(4):
        assert auth.login(account.admin_email).status_code == 302
        auth.logout()
