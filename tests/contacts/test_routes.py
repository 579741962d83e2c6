"""Contact pages: create and edit with errors next to fields, search, lists, opt-outs, export."""

from __future__ import annotations

import re

from sqlalchemy import select

from portal.extensions import db
from portal.models import Contact, ContactList, ContactListMember, OptOut
from portal.tenancy import account_scope


def _create(client, phone, first="", last="", fields=""):
    return client.post("/contacts/new", data={"phone": phone, "first_name": first, "last_name": last,
                                              "fields": fields})


def _ids(app, account_id):
    with app.app_context(), account_scope(account_id):
        return {c.phone: c.id for c in db.session.scalars(select(Contact))}


def test_a_contact_is_saved_in_e164_with_its_custom_fields(app, member_client, account):
    response = _create(member_client, "600 100 200", "Anna", "Nowak", "city: Kraków\ntier: gold")
    assert response.status_code == 302
    with app.app_context(), account_scope(account.account_id):
        contact = db.session.scalar(select(Contact))
    assert (contact.phone, contact.first_name, contact.fields) == ("+48600100200", "Anna",
                                                                   {"city": "Kraków", "tier": "gold"})


def test_errors_are_named_next_to_their_field_and_nothing_is_saved(app, member_client, account):
    response = _create(member_client, "12345", fields="no colon here")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="phone-help" class="field-error">Number for country PL is too short.' in page
    assert 'id="fields-help" class="field-error">Line 1 has no “:”' in page
    assert _ids(app, account.account_id) == {}


def test_the_same_number_twice_is_refused_by_the_unique_constraint(app, member_client, account):
    _create(member_client, "+48 600 100 200")
    response = _create(member_client, "0048600100200")
    assert response.status_code == 422
    assert "This number is already saved as another contact." in response.get_data(as_text=True)
    assert len(_ids(app, account.account_id)) == 1


def test_search_finds_parts_of_the_number_as_typed_and_names(app, member_client, account):
    _create(member_client, "600 100 200", "Anna", "Nowak")
    _create(member_client, "601 999 888", "Jan", "Kowalski")
    for query, expected in [("600 100", "Nowak"), ("+48600", "Nowak"), ("999-888", "Kowalski"),
                            ("kowal", "Kowalski"), ("anna nowak", "Nowak")]:
        page = member_client.get("/contacts/", query_string={"q": query}).get_data(as_text=True)
        assert expected in page, query
        assert ({"Nowak", "Kowalski"} - {expected}).pop() not in page, query


def test_active_search_answers_htmx_with_only_the_results(member_client):
    _create(member_client, "600 100 200", "Anna", "Nowak")
    response = member_client.get("/contacts/?q=anna", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="results">') and "Nowak" in html
    assert "HX-Request" in response.headers["Vary"]


def test_pages_follow_the_id_keyset(app, member_client, account):
    with app.app_context():
        db.session.add_all(Contact(account_id=account.account_id, phone=f"+4860010{n:04d}", fields={})
                           for n in range(120))
        db.session.commit()
    first = member_client.get("/contacts/").get_data(as_text=True)
    assert "+48 600 100 119" in first and "+48 600 100 069" not in first
    with app.app_context(), account_scope(account.account_id):
        boundary = db.session.scalar(select(Contact.id).where(Contact.phone == "+48600100070"))
    second = member_client.get(f"/contacts/?before={boundary}").get_data(as_text=True)
    assert "+48 600 100 069" in second and "+48 600 100 070" not in second


def test_bulk_add_puts_ticked_or_all_matching_contacts_on_a_list(app, member_client, account):
    for n in range(3):
        _create(member_client, f"60010020{n}", "Anna" if n < 2 else "Jan")
    member_client.post("/contacts/lists", data={"name": "VIP"})
    ids = _ids(app, account.account_id)
    with app.app_context(), account_scope(account.account_id):
        vip = db.session.scalar(select(ContactList.id))
    member_client.post("/contacts/bulk-add", data={"list_id": vip, "contact_id": [ids["+48600100202"]]})
    added = member_client.post("/contacts/bulk-add", data={"list_id": vip, "scope": "all", "q": "anna"},
                               follow_redirects=True)
    assert "2 contact(s) added to “VIP”." in added.get_data(as_text=True)
    with app.app_context(), account_scope(account.account_id):
        members = set(db.session.scalars(select(ContactListMember.contact_id)))
    assert members == set(ids.values())
    page = member_client.get("/contacts/lists").get_data(as_text=True)
    assert "<td data-label=\"Contacts\">3</td>" in page


def test_bulk_add_cannot_touch_another_accounts_contacts(app, member_client, account, make_account):
    other = make_account("Other").account_id
    with app.app_context():
        theirs = Contact(account_id=other, phone="+48600100999", fields={})
        db.session.add(theirs)
        db.session.commit()
        their_id = theirs.id
    member_client.post("/contacts/lists", data={"name": "Mine"})
    with app.app_context(), account_scope(account.account_id):
        mine = db.session.scalar(select(ContactList.id))
    member_client.post("/contacts/bulk-add", data={"list_id": mine, "contact_id": [their_id]})
    member_client.post("/contacts/bulk-add", data={"list_id": mine, "scope": "all", "q": ""})
    with app.app_context():
        assert db.session.scalars(select(ContactListMember).execution_options(all_accounts=True)).all() == []
    assert member_client.get(f"/contacts/{their_id}").status_code == 404


def test_opt_out_needs_a_reason_and_is_kept_by_number(app, member_client, account):
    _create(member_client, "600 100 200")
    contact_id = _ids(app, account.account_id)["+48600100200"]
    refused = member_client.post(f"/contacts/{contact_id}/opt-out", data={"reason": ""})
    assert refused.status_code == 422 and "Say why" in refused.get_data(as_text=True)
    member_client.post(f"/contacts/{contact_id}/opt-out", data={"reason": "replied STOP"})
    assert "replied STOP" in member_client.get(f"/contacts/{contact_id}").get_data(as_text=True)
    member_client.post(f"/contacts/{contact_id}/delete")
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(OptOut.reason)) == "replied STOP"


def test_a_list_shows_its_audience_renames_deletes_and_exports(app, member_client, account):
    _create(member_client, "600 100 200", "Anna", "Nowak", "city: Kraków")
    _create(member_client, "600 100 201", "Jan")
    member_client.post("/contacts/lists", data={"name": "Klienci"})
    with app.app_context(), account_scope(account.account_id):
        list_id = db.session.scalar(select(ContactList.id))
    member_client.post("/contacts/bulk-add", data={"list_id": list_id, "scope": "all"})
    contact_id = _ids(app, account.account_id)["+48600100201"]
    member_client.post(f"/contacts/{contact_id}/opt-out", data={"reason": "asked"})
    page = member_client.get(f"/contacts/lists/{list_id}").get_data(as_text=True)
    assert "<dt>Opted out</dt><dd>1</dd>" in page
    assert "<dt>No consent recorded</dt><dd>1</dd>" in page  # Anna; Jan opted out, counted there
    assert "<dt>Would receive a message</dt><dd><strong>1</strong></dd>" in page
    export = member_client.get(f"/contacts/lists/{list_id}/export.csv")
    lines = export.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "phone,first_name,last_name,opted_out,consent_at,consent_source,city"
    assert "+48600100200,Anna,Nowak,no,,,Kraków" in lines and "+48600100201,Jan,,yes,,," in lines
    assert len(lines) == 3
    assert member_client.post(f"/contacts/lists/{list_id}", data={"name": "Stali klienci"}).status_code == 302
    member_client.post(f"/contacts/lists/{list_id}/delete")
    assert len(_ids(app, account.account_id)) == 2
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(ContactList)) is None


def test_admin_sets_the_default_country_used_for_national_numbers(app, admin_client, account):
    admin_client.post("/settings/country", data={"country": "DE"})
    assert '<option selected value="DE">' in admin_client.get("/settings/").get_data(as_text=True)
    _create(admin_client, "030 123456")
    assert list(_ids(app, account.account_id)) == ["+4930123456"]


def test_a_search_finds_rare_matches_older_than_the_newest_contacts_and_pages_on(app, member_client, account,
                                                                                monkeypatch):
    from portal.contacts import service

    monkeypatch.setattr(service, "RECENT_WINDOW", 3)
    monkeypatch.setattr(service, "PAGE_SIZE", 2)
    with app.app_context():
        db.session.add_all(
            Contact(account_id=account.account_id, phone=f"+4860010{n:04d}", fields={},
                    last_name="Rare" if n in (1, 2, 4) else "Common")
            for n in range(10)
        )
        db.session.commit()
    with app.app_context(), account_scope(account.account_id):
        first = service.search_contacts(account.account_id, "rare", limit=2)
        second = service.search_contacts(account.account_id, "rare", before=first.next_before, limit=2)
    assert [c.phone for c, _o in first.rows] == ["+48600100004", "+48600100002"]
    assert [c.phone for c, _o in second.rows] == ["+48600100001"] and second.next_before is None


def test_number_searches_find_older_contacts_by_any_part_or_by_how_it_begins(app, account, monkeypatch):
    from portal.contacts import service

    monkeypatch.setattr(service, "RECENT_WINDOW", 3)
    with app.app_context():
        db.session.add_all([Contact(account_id=account.account_id, phone=phone, fields={})
                            for phone in ("+48600100200", "+48601999888")])
        db.session.add_all(Contact(account_id=account.account_id, phone=f"+4850000{n:04d}", fields={})
                           for n in range(5))
        db.session.commit()

    def found(query):
        with app.app_context(), account_scope(account.account_id):
            return {c.phone for c, _o in service.search_contacts(account.account_id, query).rows}

    assert found("100 200") == {"+48600100200"}  # anywhere in the number, four digits and more
    assert found("00100") == {"+48600100200"}  # 00 also read as digits, not only as the prefix
    assert found("+48601") == {"+48601999888"}  # + means the number begins so
    assert found("0048601") == {"+48601999888"}
    assert found("+4960") == set()
    assert found("999") == {"+48601999888"}  # fewer than four digits: a plain scan


def test_bulk_add_without_a_list_says_so_next_to_the_list_and_keeps_the_ticks(app, member_client, account):
    _create(member_client, "600 100 200", "Anna")
    member_client.post("/contacts/lists", data={"name": "VIP"})
    anna = _ids(app, account.account_id)["+48600100200"]
    response = member_client.post("/contacts/bulk-add",
                                  data={"list_id": "", "contact_id": [anna], "q": "anna"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'aria-describedby="list_id-help"' in page
    assert 'id="list_id-help" class="field-error">Choose a list from the menu' in page
    assert re.search(rf'value="{anna}" aria-label="Select \+48600100200"\s+checked>', page)
    assert '<input type="hidden" name="q" value="anna">' in page
    assert page.count("Choose a list") == 1  # not as a message at the top too


def test_bulk_add_with_nothing_ticked_says_so_next_to_the_choice_of_contacts(app, member_client, account):
    _create(member_client, "600 100 200", "Anna")
    member_client.post("/contacts/lists", data={"name": "VIP"})
    with app.app_context(), account_scope(account.account_id):
        vip = db.session.scalar(select(ContactList.id))
    response = member_client.post("/contacts/bulk-add", data={"list_id": vip, "scope": "selected"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ('id="scope-help" class="field-error">'
            "Tick the contacts to add, or choose “all contacts matching”.") in page
    assert page.count("Tick the contacts") == 1


def test_adding_a_contact_to_a_list_deleted_meanwhile_says_so_next_to_the_list(app, member_client, account):
    _create(member_client, "600 100 200", "Anna")
    member_client.post("/contacts/lists", data={"name": "VIP"})
    anna = _ids(app, account.account_id)["+48600100200"]
    response = member_client.post(f"/contacts/{anna}/lists", data={"list_id": "9999"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="list_id-help" class="field-error">Choose a list from the menu' in page
    assert page.count("Choose a list") == 1
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(ContactListMember.contact_id)) is None
