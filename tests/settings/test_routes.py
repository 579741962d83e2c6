"""Settings -> SMS pages: admins only, the token never shown back, htmx in place where it helps."""

from portal.extensions import db
from portal.models import Account, AuditEvent
from portal.smsapi_account import settings_for
from tests.conftest import in_account


def test_members_get_403_on_every_settings_action(member_client):
    assert member_client.get("/settings/").status_code == 403
    for path in ("/settings/connection", "/settings/connection/check", "/settings/connection/remove",
                 "/settings/test-mode/off", "/settings/default-sender", "/settings/callback-secret",
                 "/settings/callback-username-check"):
        assert member_client.post(path, data={"token": "x"}).status_code == 403, path


def test_admin_connects_and_sees_username_and_balance_never_the_token(app, admin_client, smsapi):
    response = admin_client.post("/settings/connection", data={"service": "pl", "token": smsapi.token},
                                 follow_redirects=True)
    page = response.data.decode()
    assert f"Connected to SMSAPI.pl as <strong>{smsapi.username}</strong>" in page
    assert "100.00" in page
    assert smsapi.token not in page
    assert f"…{smsapi.token[-4:]}" in page


def test_rejected_token_is_not_rendered_back_and_nothing_is_saved(app, admin_client, account, smsapi):
    response = admin_client.post("/settings/connection", data={"service": "pl", "token": "wrong-token-9876"})
    assert response.status_code == 422
    page = response.data.decode()
    assert "SMSAPI did not accept this token" in page
    assert "wrong-token-9876" not in page
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).is_connected is False


def test_check_again_answers_htmx_with_the_connection_card(admin_client, smsapi):
    admin_client.post("/settings/connection", data={"service": "pl", "token": smsapi.token})
    smsapi.update_account(points="7")
    response = admin_client.post("/settings/connection/check", headers={"HX-Request": "true"})
    page = response.data.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<article id="connection"')
    assert "7.00" in page
    assert "Checked just now: the points balance is now 7.00 (was 100.00)." in page
    again = admin_client.post("/settings/connection/check", headers={"HX-Request": "true"}).data.decode()
    assert "Checked just now, nothing changed." in again


def test_check_again_without_javascript_says_what_it_found(admin_client, smsapi):
    admin_client.post("/settings/connection", data={"service": "pl", "token": smsapi.token})
    page = admin_client.post("/settings/connection/check", follow_redirects=True).data.decode()
    assert "Checked just now, nothing changed." in page


def test_live_needs_the_confirmation_box_without_javascript(app, admin_client, account, smsapi):
    admin_client.post("/settings/connection", data={"service": "pl", "token": smsapi.token})
    response = admin_client.post("/settings/test-mode/off", data={})
    assert response.status_code == 422
    page = response.data.decode()
    # The error sits under the box it is about, and the box takes the focus.
    box = page.index('id="go-live-confirm"')
    assert page.index('id="go-live-confirm-help" class="field-error">Tick the box') > box
    assert "autofocus" in page[page.rindex("<input", 0, box):page.index(">", box)]
    admin_client.post("/settings/test-mode/off", data={"confirm": "y"})
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).test_mode is False
    assert "Test mode is on." not in admin_client.get("/settings/").data.decode()


def test_regenerate_needs_confirmation_and_is_audited(app, admin_client, account):
    with in_account(app, account.account_id):
        old = settings_for(account.account_id).callback_secret
    refused = admin_client.post("/settings/callback-secret", data={})
    assert refused.status_code == 422
    assert '<details open>' in refused.data.decode()
    assert 'id="new-callback-confirm-help" class="field-error">Tick the box' in refused.data.decode()
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).callback_secret == old
    page = admin_client.post("/settings/callback-secret", data={"confirm": "y"}, follow_redirects=True)
    with in_account(app, account.account_id):
        new = settings_for(account.account_id).callback_secret
        assert new != old
        regenerated = db.session.query(AuditEvent).filter_by(action="settings.callback_secret_regenerated")
        assert regenerated.count() == 1
    assert f"secret={new}" in page.data.decode()
    assert "made a new callback URL" in page.data.decode()


def test_posts_without_csrf_are_refused(admin_client, smsapi):
    response = admin_client.post("/settings/connection", data={"service": "pl", "token": smsapi.token},
                                 csrf=False)
    assert response.status_code == 400


def test_new_accounts_show_times_in_warsaw_time_and_the_admin_can_change_the_zone(app, admin_client, account):
    page = admin_client.get("/settings/").data.decode()
    assert '<option selected value="Europe/Warsaw">Europe/Warsaw (UTC' in page
    assert '<optgroup label="Common">' in page
    response = admin_client.post("/settings/timezone", data={"timezone": "America/New_York"},
                                 follow_redirects=True)
    page = response.data.decode()
    assert "Times are now shown in America/New_York." in page
    assert 'title="America/New_York">' in page  # the change itself, in the new zone
    assert "changed the time zone from Europe/Warsaw to America/New_York" in page
    with app.app_context():
        assert db.session.get(Account, account.account_id).timezone == "America/New_York"


def test_an_unknown_time_zone_is_refused_next_to_the_field(app, admin_client, account):
    response = admin_client.post("/settings/timezone", data={"timezone": "Poland"})
    assert response.status_code == 422
    page = response.data.decode()
    assert 'id="timezone-help" class="field-error">Choose a time zone from the list.' in page
    with app.app_context():
        assert db.session.get(Account, account.account_id).timezone == "Europe/Warsaw"


def test_settings_say_how_long_the_previous_callback_url_keeps_working(admin_client):
    response = admin_client.post("/settings/callback-secret", data={"confirm": "y"}, follow_redirects=True)
    page = response.data.decode()
    assert "The previous one keeps working for 72 hours" in page
    assert "The previous address keeps working until" in page


def test_username_check_needs_a_connection_then_switches_on(app, admin_client, account, smsapi):
    response = admin_client.post("/settings/callback-username-check", data={"enabled": "y"})
    assert response.status_code == 422
    page = response.data.decode()
    box = page.index('id="enabled"')
    assert page.index('id="enabled-help" class="field-error">Connect your SMSAPI account first') > box
    assert page.count("Connect your SMSAPI account first") == 1  # next to the switch, not also at the top
    admin_client.post("/settings/connection", data={"service": "pl", "token": smsapi.token})
    response = admin_client.post("/settings/callback-username-check", data={"enabled": "y"},
                                 follow_redirects=True)
    assert "Saved." in response.data.decode()
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).check_callback_username is True
    assert admin_client.post("/settings/callback-username-check", data={}).status_code == 302
    with in_account(app, account.account_id):
        assert settings_for(account.account_id).check_callback_username is False
