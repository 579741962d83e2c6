"""The import job on the backend under test: merge, duplicates, error report, rollback, other accounts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from portal.contacts import importer
from portal.extensions import db
from portal.models import (
    Contact,
    ContactImportChunk,
    ContactImportRow,
    ContactList,
    ContactListMember,
    OptOut,
)
from portal.tenancy import account_scope

FILE = (
    "telefon;imię;nazwisko;miasto;wypisany\n"
    "600 100 200;Anna;Nowak;Kraków;nie\n"
    "+48 600 100 201;Jan;Kowalski;Gdańsk;tak\n"
    "0048600100202;Ewa;;Łódź;\n"
    "600 100 200;Anna;Duplikat;Poznań;nie\n"
    "12345;Zły;Numer;;\n"
    "ala ma kota;Też;Zły;;\n"
).encode("cp1250")


def _contacts(app, account_id):
    with app.app_context(), account_scope(account_id):
        return {c.phone: c for c in db.session.scalars(select(Contact))}


def test_import_merges_rows_and_reports_duplicates_and_invalid_rows(app, account, run_import):
    done = run_import(account.account_id, FILE)
    assert done.status == "done", done.error
    assert (done.imported, done.updated, done.duplicates, done.invalid, done.opted_out) == (3, 0, 1, 2, 1)
    contacts = _contacts(app, account.account_id)
    assert sorted(contacts) == ["+48600100200", "+48600100201", "+48600100202"]
    anna = contacts["+48600100200"]
    assert (anna.first_name, anna.last_name, anna.fields) == ("Anna", "Nowak", {"miasto": "Kraków"})
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(OptOut.phone)) == "+48600100201"
        members = db.session.scalar(select(func.count()).select_from(ContactListMember))
        assert members == 3
        problems = [(r.row_number, r.column_name, r.value, r.problem) for r in importer.problem_rows(done)]
        assert db.session.scalar(select(func.count()).select_from(ContactImportChunk)) == 0
    assert problems == [
        (5, "telefon", "+48600100200", "the same number as row 2"),
        (6, "telefon", "12345", "number for country PL is too short"),
        (7, "telefon", "ala ma kota", "not a phone number"),
    ]


def test_known_numbers_are_updated_fields_merged_and_the_list_added(app, account, run_import):
    run_import(account.account_id, b"phone,first name,city,tier\n600100200,Anna,Krakow,gold\n", list_name="A")
    again = run_import(account.account_id, b"mobile,last name,city\n+48600100200,Nowak,Warsaw\n",
                       list_name="B")
    assert (again.imported, again.updated) == (0, 1)
    anna = _contacts(app, account.account_id)["+48600100200"]
    assert (anna.first_name, anna.last_name) == ("Anna", "Nowak")
    assert anna.fields == {"city": "Warsaw", "tier": "gold"}
    with app.app_context(), account_scope(account.account_id):
        names = db.session.scalars(
            select(ContactList.name).join(ContactListMember, ContactListMember.list_id == ContactList.id)
            .order_by(ContactList.name)).all()
    assert names == ["A", "B"]


def test_another_accounts_contacts_with_the_same_numbers_are_untouched(app, make_account, run_import):
    first = make_account("First").account_id
    other = make_account("Other").account_id
    run_import(other, b"phone,first name,city\n600100200,Olga,Olsztyn\n", list_name="Theirs")
    run_import(first, b"phone,first name,city\n600100200,Anna,Krakow\n600100201,Jan,Gdansk\n")
    theirs = _contacts(app, other)
    assert list(theirs) == ["+48600100200"]
    assert (theirs["+48600100200"].first_name, theirs["+48600100200"].fields) == ("Olga", {"city": "Olsztyn"})
    with app.app_context(), account_scope(other):
        assert db.session.scalar(
            select(func.count()).select_from(ContactListMember).where(ContactListMember.account_id == other)
        ) == 1


def test_a_failing_merge_leaves_no_contacts_and_no_staged_rows(app, account, run_import, monkeypatch):
    def explode(params):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_mark_duplicates", explode)
    with pytest.raises(RuntimeError):
        run_import(account.account_id, FILE)
    assert _contacts(app, account.account_id) == {}
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(func.count()).select_from(ContactImportRow)) == 0
        assert db.session.scalar(select(func.count()).select_from(ContactListMember)) == 0
        upload = db.session.scalar(select(importer.ContactImport))
        assert upload.status == "failed"
        assert "Nothing was imported" in upload.error


def test_a_nul_past_the_sniffed_start_of_the_file_stops_only_its_row(app, account, run_import):
    rows = "".join(f"600 {100 + n // 1000:03d} {n % 1000:03d};Name{n};Nowak;;\n" for n in range(300))
    data = ("telefon;imię;nazwisko;miasto;wypisany\n" + rows + "600 999 999;Zo\x00sia;;;\n").encode()
    assert len(data) > 2 * 4096
    done = run_import(account.account_id, data)
    assert done.status == "done", done.error
    assert (done.imported, done.invalid) == (300, 1)
    with app.app_context(), account_scope(account.account_id):
        problems = [(r.column_name, r.value) for r in importer.problem_rows(done)]
    assert problems == [("imię", "Zo\u2400sia")]
    assert "+48600999999" not in _contacts(app, account.account_id)


def _consents(app, account_id):
    with app.app_context(), account_scope(account_id):
        return {c.phone: (c.consent_at, c.consent_source) for c in db.session.scalars(select(Contact))}


def test_a_consent_column_records_consent_with_its_date_and_the_file_it_came_from(
        app, account, run_import):
    started = datetime.now(UTC)
    done = run_import(account.account_id, (
        "telefon;zgoda\n"
        "600100200;2024-05-31\n"  # the date it was given, in the account's zone (Europe/Warsaw)
        "600100201;tak\n"  # given, no date: recorded as of the import
        "600100202;nie\n"
        "600100203;\n"
        "600100204;kiedyś\n"
    ).encode(), filename="zgody.csv")
    assert done.status == "done", done.error
    assert (done.imported, done.invalid, done.consented) == (4, 1, 2)
    consents = _consents(app, account.account_id)
    assert consents["+48600100200"] == (datetime(2024, 5, 30, 22, 0, tzinfo=UTC), "import of zgody.csv")
    assert consents["+48600100201"][0] >= started and consents["+48600100201"][1] == "import of zgody.csv"
    assert consents["+48600100202"] == consents["+48600100203"] == (None, None)
    with app.app_context(), account_scope(account.account_id):
        problems = [(r.column_name, r.value, r.problem) for r in importer.problem_rows(done)]
    assert problems == [
        ("zgoda", "kiedyś", "“kiedyś” is not yes, no or a date such as 2024-05-31 or 31.05.2024"),
    ]


def test_consent_already_recorded_stays_a_no_withdraws_it_and_an_empty_cell_leaves_it(
        app, account, run_import):
    run_import(account.account_id, (
        b"phone,consent\n+48600100200,2023-01-02\n+48600100201,\n+48600100202,yes\n+48600100203,2023-03-04\n"
    ), filename="first.csv")
    before = _consents(app, account.account_id)

    again = run_import(account.account_id, (
        b"phone,consent\n+48600100200,2024-05-31\n+48600100201,2024-05-31\n+48600100202,no\n+48600100203,\n"
    ), filename="second.csv")

    assert (again.updated, again.consented) == (4, 2)
    after = _consents(app, account.account_id)
    assert after["+48600100200"] == before["+48600100200"] == (
        datetime(2023, 1, 1, 23, 0, tzinfo=UTC), "import of first.csv")  # the first consent is the record
    assert after["+48600100201"] == (datetime(2024, 5, 30, 22, 0, tzinfo=UTC), "import of second.csv")
    assert after["+48600100202"] == (None, None)  # withdrawn
    assert after["+48600100203"] == before["+48600100203"]  # nothing stated: unchanged


def test_a_consent_source_column_records_where_consent_was_given(app, account, run_import):
    done = run_import(account.account_id, (
        "telefon,zgoda,źródło zgody\n"
        "600100200,tak,formularz w sklepie\n"
        "600100201,tak,\n"  # no source given: the file is the source
        "600100202,nie,strona www\n"  # a source without consent records nothing
        f"600100203,tak,{'x' * 150}\n"
    ).encode(), filename="zgody.csv")
    assert done.status == "done", done.error
    assert done.consented == 3
    consents = _consents(app, account.account_id)
    assert consents["+48600100200"][1] == "formularz w sklepie"
    assert consents["+48600100201"][1] == "import of zgody.csv"
    assert consents["+48600100202"] == (None, None)
    assert consents["+48600100203"][1] == "x" * 100  # cut to the column's length
