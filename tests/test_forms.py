"""Every form refuses a NUL character, naming the field, before anything reaches the database."""

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select

from portal.extensions import db
from portal.forms import PortalForm
from portal.models import Campaign


def _all_subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _all_subclasses(sub)


def test_every_form_of_the_portal_is_a_portal_form(app):
    forms = [form for form in _all_subclasses(FlaskForm) if form.__module__.startswith("portal.")]
    assert len(forms) > 5
    assert [form for form in forms if not issubclass(form, PortalForm)] == []


@pytest.mark.parametrize(("field", "label"), [("name", "Campaign name"), ("message", "Message")])
def test_nul_in_a_campaign_field_is_refused_naming_it(app, member_client, field, label):
    data = {"name": "Spring", "message": "Hello", "action": "save", field: "Hel\x00lo"}
    response = member_client.post("/campaigns/new", data=data)
    assert response.status_code == 422
    assert f"“{label}” holds an invisible NUL character" in response.data.decode()
    with app.app_context():
        count = select(func.count(Campaign.id)).execution_options(all_accounts=True)
        assert db.session.scalar(count) == 0


def test_nul_in_the_sign_in_form_is_refused(client, account):
    response = client.post("/login", data={"email": account.admin_email + "\x00", "password": "x"})
    assert response.status_code == 422
    assert "“E-mail” holds an invisible NUL character" in response.data.decode()


def test_nul_in_a_new_users_email_is_refused(admin_client):
    password = "a long enough password"
    response = admin_client.post("/users/new", data={
        "email": "new\x00@areto-net.example", "role": "member", "password": password, "confirm": password})
    assert response.status_code == 422
    assert "NUL character" in response.data.decode()


def test_nul_in_the_address_is_refused_naming_the_parameter(member_client):
    response = member_client.get("/contacts/?q=Ann%00a")
    assert response.status_code == 400
    assert "invisible NUL character in “q”" in response.data.decode()
    assert member_client.get("/contacts/?q=Anna").status_code == 200


def test_a_search_posted_with_a_nul_adds_what_the_search_without_it_finds(app, member_client, account):
    from portal.models import Contact, ContactList, ContactListMember
    from tests.conftest import in_account

    with in_account(app, account.account_id):
        contact_list = ContactList(account_id=account.account_id, name="Customers")
        db.session.add_all([contact_list, Contact(account_id=account.account_id, phone="+48600100200",
                                                  first_name="Anna", last_name="Nowak")])
        db.session.commit()
        list_id = contact_list.id
    response = member_client.post(
        "/contacts/bulk-add", data={"list_id": list_id, "scope": "all", "q": "An\x00na"}
    )
    assert response.status_code == 302
    with in_account(app, account.account_id):
        assert db.session.scalar(select(func.count()).select_from(ContactListMember)) == 1
