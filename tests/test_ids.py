"""Ids past what the columns hold are a 404 in URLs and a named form error, never a 500."""

import pytest

HUGE = "99999999999999999999"


@pytest.mark.parametrize("path", [
    f"/campaigns/{HUGE}", f"/campaigns/{2**31}", f"/campaigns/{HUGE}/delete", "/campaigns/0",
])
def test_out_of_range_ids_in_urls_are_404(member_client, path):
    assert member_client.get(path).status_code == 404


@pytest.mark.parametrize("path", [f"/users/{HUGE}/role", f"/users/{HUGE}/deactivate",
                                  f"/senders/{HUGE}/default", f"/users/{2**40}/reset-link"])
def test_out_of_range_ids_in_admin_urls_are_404(admin_client, path):
    assert admin_client.post(path, data={"role": "member"}).status_code == 404


def test_out_of_range_sender_in_the_campaign_form_is_a_field_error(member_client):
    for value in (HUGE, str(2**40)):
        response = member_client.post(
            "/campaigns/new", data={"name": "x", "sender": value, "message": "Hi", "action": "save"}
        )
        assert response.status_code == 422
        assert "Choose a sender name from the list." in response.data.decode()


