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




def _list_of(app, account_id: int) -> int:
    from portal.extensions import db
    from portal.models import ContactList
    from tests.conftest import in_account

    with in_account(app, account_id):
        contact_list = ContactList(account_id=account_id, name="Customers")
        db.session.add(contact_list)
        db.session.commit()
        return contact_list.id


@pytest.mark.parametrize("cursor", [HUGE, str(2**63), "0", "12abc", "١٢"])
def test_a_page_cursor_that_cannot_be_an_id_is_404(app, admin_client, account, cursor):
    list_id = _list_of(app, account.account_id)
    for path in ("/contacts/", f"/contacts/lists/{list_id}", "/delivery-reports/unmatched"):
        assert admin_client.get(f"{path}?before={cursor}").status_code == 404, path
    assert admin_client.get(f"/contacts/?before={2**40}").status_code == 200


def test_ticked_ids_past_the_range_name_no_contact(app, member_client, account):
    list_id = _list_of(app, account.account_id)
    ticks = {"list_id": list_id, "contact_id": [HUGE, str(2**64)]}
    added = member_client.post("/contacts/bulk-add", data=ticks)
    assert added.status_code == 422
    removed = member_client.post(f"/contacts/lists/{list_id}/remove", data={"contact_id": [HUGE]})
    assert removed.status_code == 302


def test_an_out_of_range_list_in_the_campaign_form_is_a_field_error(app, member_client, account):
    list_id = _list_of(app, account.account_id)
    data = {"name": "x", "sender": "", "message": "Hi", "list_ids": [str(list_id), HUGE]}
    refused = member_client.post("/campaigns/new", data={**data, "action": "save"})
    assert refused.status_code == 422
    assert "One of the ticked lists does not exist" in refused.data.decode()
    summary = member_client.post(
        "/campaigns/new", data={**data, "action": "audience"}, headers={"HX-Request": "true"}
    )
    assert summary.status_code == 200
