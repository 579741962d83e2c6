"""A failed htmx request never fails silently: sign-in and CSRF failures send the browser somewhere
useful (HX-Redirect / HX-Refresh) instead of a page htmx would swap into a button."""

from urllib.parse import quote

HTMX_FROM_USERS = {"HX-Request": "true", "HX-Current-URL": "http://localhost/users/?page=2"}


def test_signed_out_htmx_request_is_sent_to_sign_in_and_back_to_its_page(client, account):
    response = client.post(f"/users/{account.member_id}/deactivate", headers=HTMX_FROM_USERS)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"] == f"/login?next={quote('/users/?page=2', safe='')}"


def test_signed_out_plain_request_is_still_a_redirect_to_sign_in(client, account):
    response = client.post(f"/users/{account.member_id}/deactivate")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")


def test_after_the_htmx_redirect_sign_in_says_why(client, account):
    client.post(f"/users/{account.member_id}/deactivate", headers=HTMX_FROM_USERS)
    assert "Please sign in to continue." in client.get("/login").data.decode()


def test_expired_csrf_token_on_an_htmx_request_reloads_the_page_with_a_message(admin_client, account):
    response = admin_client.post(f"/users/{account.member_id}/deactivate", csrf=False,
                                 headers=HTMX_FROM_USERS)
    assert response.status_code == 400
    assert response.headers["HX-Refresh"] == "true"
    assert "Your page had expired" in admin_client.get("/users/").data.decode()


def test_every_page_has_the_notice_area_the_script_fills(admin_client):
    page = admin_client.get("/campaigns/").data.decode()
    assert '<p id="request-problem" class="flash flash-error" role="alert" hidden></p>' in page
    assert "<script>" not in page  # behaviour lives in static files (a Content-Security-Policy comes)
