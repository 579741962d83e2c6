"""The layout: navigation by role, error pages inside the layout, vendored front-end files."""

from pathlib import Path

STATIC = Path(__file__).resolve().parent.parent / "static"


def test_admin_sees_settings_and_users_in_navigation(admin_client):
    page = admin_client.get("/campaigns/").data.decode()
    for label in ("Campaigns", "Contacts", "Sender names", "Settings", "Users"):
        assert f">{label}</a>" in page


def test_member_does_not_see_settings(member_client):
    page = member_client.get("/campaigns/").data.decode()
    assert ">Campaigns</a>" in page
    assert ">Settings</a>" not in page
    assert ">Users</a>" not in page


def test_member_gets_403_page_for_admin_areas(member_client):
    for path in ("/settings/", "/users/", "/users/new"):
        response = member_client.get(path)
        assert response.status_code == 403, path
        assert b"This page is for admins" in response.data


def test_unknown_page_is_a_404_inside_the_layout(admin_client):
    response = admin_client.get("/no-such-page")
    assert response.status_code == 404
    assert b"Page not found" in response.data
    assert b">Campaigns</a>" in response.data


def test_unexpected_error_is_a_calm_500_page(app, client, auth, account):
    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    app.testing = False  # let the error handler answer, as in production
    auth.login(account.admin_email)
    response = client.get("/explode")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.data


def test_pages_load_vendored_htmx_2_and_pico_not_a_cdn(client):
    page = client.get("/login").data.decode()
    assert "/static/vendor/htmx-2.0.11.min.js" in page
    assert "/static/vendor/pico-2.1.1.min.css" in page
    assert "//cdn" not in page and "unpkg" not in page
    assert (STATIC / "vendor" / "htmx-2.0.11.min.js").read_text().count("2.0.11") >= 1


def test_htmx_is_told_to_swap_422_responses(client):
    page = client.get("/login").data.decode()
    assert '{"code":"422","swap":true}' in page


def test_every_page_links_the_icon_and_the_old_address_leads_to_it(client, admin_client):
    page = admin_client.get("/campaigns/").data.decode()
    assert 'rel="icon" href="/static/favicon.svg"' in page
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    icon = client.get(response.headers["Location"])
    assert icon.status_code == 200
    assert icon.mimetype == "image/svg+xml"
    icon.close()
