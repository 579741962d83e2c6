"""Sessions end for real: sign-out, a new password and deactivation end every session and
remember-me cookie of the user; sign-in starts a new session; `next` is only a local path."""

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from http.cookies import SimpleCookie

from portal.config import load_config
from tests.conftest import PASSWORD


def _cookies(client) -> dict[str, str]:
    return {cookie.key: cookie.value for cookie in client._cookies.values()}


def _replay(app, cookies: dict[str, str]):
    """A new browser that presents copied cookies."""
    other = app.test_client()
    for name, value in cookies.items():
        other.set_cookie(name, value)
    return other


def test_an_old_session_cookie_stops_working_after_sign_out(app, client, auth, account):
    auth.login(account.member_email)
    stolen = _cookies(client)
    auth.logout()
    assert _replay(app, stolen).get("/campaigns/").status_code == 302


def test_a_remember_me_cookie_stops_working_after_sign_out(app, client, account):
    client.post("/login", data={"email": account.member_email, "password": PASSWORD, "remember": "y"})
    remember = {"remember_token": _cookies(client)["remember_token"]}
    assert _replay(app, remember).get("/campaigns/").status_code == 200
    client.post("/logout")
    assert _replay(app, remember).get("/campaigns/").status_code == 302


def test_deactivation_ends_sessions_and_says_why(app, client, auth, account):
    member = app.test_client()
    member.post("/login", data={"email": account.member_email, "password": PASSWORD})
    auth.login(account.admin_email)
    client.post(f"/users/{account.member_id}/deactivate")
    response = member.get("/campaigns/", follow_redirects=True)
    assert "deactivated by an admin" in response.data.decode()


def test_remember_cookie_lasts_two_weeks_not_a_year(app, client, account):
    before = datetime.now(UTC)
    response = client.post(
        "/login", data={"email": account.member_email, "password": PASSWORD, "remember": "y"}
    )
    header = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("remember_token="))
    morsel = SimpleCookie(header)["remember_token"]
    assert morsel["httponly"]
    expires = parsedate_to_datetime(morsel["expires"])
    assert expires - before < timedelta(days=15)


def test_remember_and_session_cookies_are_secure_with_an_https_public_url(tmp_path):
    plain = load_config(tmp_path, {"PUBLIC_BASE_URL": "http://127.0.0.1:5000"})
    assert plain["REMEMBER_COOKIE_SECURE"] is False
    https = load_config(tmp_path, {"PUBLIC_BASE_URL": "https://sms.example"})
    assert https["REMEMBER_COOKIE_SECURE"] is True
    assert https["SESSION_COOKIE_SECURE"] is True


def test_sign_in_rotates_the_session_and_the_csrf_secret(app, client, account):
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by someone else"
        before = session["csrf_token"]
    client.post("/login", data={"email": account.member_email, "password": PASSWORD})
    client.get("/campaigns/")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["csrf_token"] != before


def test_next_with_a_line_break_is_dropped(client, auth, account):
    response = auth.login(account.admin_email, query_string={"next": "/contacts/\r\nSet-Cookie: x=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert "Set-Cookie: x" not in str(response.headers)


def test_next_with_a_backslash_is_dropped(client, auth, account):
    response = auth.login(account.admin_email, query_string={"next": "/\\evil.example"})
    assert response.headers["Location"] == "/"


def test_session_cookie_with_a_huge_id_is_ignored(app, client):
    with client.session_transaction() as session:
        session["_user_id"] = "99999999999999999999999:0"
    assert client.get("/campaigns/").status_code == 302
