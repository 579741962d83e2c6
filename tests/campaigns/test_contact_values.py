"""The values a chunk's messages are personalised with, read by their contacts' ids."""

from __future__ import annotations

from sqlalchemy import insert, select

from portal.campaigns.recipients import contact_values
from portal.extensions import db
from portal.models import Contact, utcnow
from tests.conftest import in_account
from tests.plans import analyze, rows_read, skip_unless_postgresql


def phone(n: int) -> str:
    return f"+48600{n:06d}"


def add_contacts(app, account_id: int, count: int, start: int = 0) -> list[int]:
    now = utcnow()
    with app.app_context():
        db.session.execute(insert(Contact), [
            {"account_id": account_id, "phone": phone(n), "first_name": f"Name{n}", "last_name": "",
             "fields": {"city": f"City{n}"} if n % 2 else {}, "created_at": now, "updated_at": now}
            for n in range(start, start + count)
        ])
        db.session.commit()
        return list(db.session.scalars(select(Contact.id).where(Contact.account_id == account_id)
                                       .order_by(Contact.id).execution_options(all_accounts=True)))


def test_the_values_of_the_accounts_own_contacts_by_id(app, make_account):
    mine, theirs = make_account("Mine"), make_account("Theirs")
    my_ids = add_contacts(app, mine.account_id, 3)
    their_ids = add_contacts(app, theirs.account_id, 1, start=100)
    with in_account(app, mine.account_id):
        values = contact_values(mine.account_id, {my_ids[0]: phone(0), my_ids[1]: phone(1),
                                                  my_ids[2]: phone(2), their_ids[0]: phone(100)},
                                ["first_name", "city"])
    assert values == {
        my_ids[0]: ("Name0", None),
        my_ids[1]: ("Name1", "City1"),
        my_ids[2]: ("Name2", None),
    }


def test_a_contact_is_known_by_its_id_and_its_phone_together(app, account):
    """A message keeps its contact's id with no foreign key: an id now held by a contact with another
    number (the first one was deleted, and SQLite gave its id again) gives no values."""
    ids = add_contacts(app, account.account_id, 2)
    with in_account(app, account.account_id):
        values = contact_values(account.account_id, {ids[0]: phone(0), ids[1]: phone(7)}, ["first_name"])
    assert values == {ids[0]: ("Name0",)}


def test_a_chunks_values_are_read_by_their_ids_even_before_the_new_contacts_are_analysed(app, account):
    """Right after an import, the statistics still describe the account as it was: the look-up must
    not take it for small and read every contact of it."""
    skip_unless_postgresql(app)
    add_contacts(app, account.account_id, 20)
    analyze(app)  # the account had 20 contacts
    ids = add_contacts(app, account.account_id, 5000, start=20)  # then an import of 5,000
    wanted = ids[1000:1200]
    with in_account(app, account.account_id):
        values = {}
        read = rows_read(app, "contact", lambda: values.update(contact_values(
            account.account_id, {contact_id: phone(ids.index(contact_id)) for contact_id in wanted},
            ["first_name"])))
    assert sorted(values) == wanted and values[wanted[0]] == ("Name1000",)
    assert read == 200  # the 200 asked for, each found by its key
