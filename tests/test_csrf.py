"""Every form post needs the CSRF token; htmx sends it in a header."""


def test_post_without_csrf_token_is_refused(client, account):
    response = client.post("/login", data={"email": account.admin_email, "password": "x"}, csrf=False)
    assert response.status_code == 400
    assert b"The form had expired" in response.data


def test_signed_in_post_without_token_is_refused_and_changes_nothing(client, auth, account):
    auth.login(account.admin_email)
    response = client.post(f"/users/{account.member_id}/role", data={"role": "admin"}, csrf=False)
    assert response.status_code == 400
    page = client.get("/users/").data.decode()
    assert 'value="member" selected' in page


def test_pages_carry_the_token_for_htmx_in_the_body(admin_client):
    page = admin_client.get("/users/").data.decode()
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
