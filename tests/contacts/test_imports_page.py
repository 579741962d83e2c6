"""The list of an account's imports: newest first, where each stands, what came of it, keyset pages."""

from __future__ import annotations

import re

from sqlalchemy import insert

from portal.contacts.service import PAGE_SIZE
from portal.extensions import db
from portal.models import ContactImport, ImportStatus, User, utcnow
from tests.conftest import in_account


def _add_import(app, account_id: int, user_id: int | None, filename: str, status: ImportStatus,
                **counts) -> int:
    with in_account(app, account_id):
        upload = ContactImport(account_id=account_id, created_by_id=user_id, filename=filename,
                               status=status.value, encoding="utf-8", delimiter=",", **counts)
        db.session.add(upload)
        db.session.commit()
        return upload.id


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="import-(\d+)">', page)


def test_the_imports_are_listed_newest_first_with_who_uploaded_them_and_what_came_of_them(
        app, member_client, account):
    done = _add_import(app, account.account_id, account.admin_id, "klienci.csv", ImportStatus.DONE,
                       imported=120, updated=3, duplicates=2, invalid=5, opted_out=1, finished_at=utcnow())
    failed = _add_import(app, account.account_id, account.member_id, "zly.csv", ImportStatus.FAILED,
                         error="The file is not a CSV file.")
    waiting = _add_import(app, account.account_id, account.member_id, "nowi.csv", ImportStatus.UPLOADED)

    page = member_client.get("/contacts/imports").get_data(as_text=True)

    assert _rows(page) == [str(waiting), str(failed), str(done)]
    assert f'href="/contacts/imports/{done}">klienci.csv</a>' in page
    assert account.admin_email in page and account.member_email in page
    assert "120 new, 3 updated, 2 duplicates skipped, 5 rows with a problem skipped; 1 opted out" in page
    assert "The file is not a CSV file. Nothing was saved." in page
    assert "Waiting for its columns to be chosen" in page
    assert f'href="/contacts/imports/{waiting}/map">Choose the columns</a>' in page
    assert "hx-trigger" not in page  # nothing runs: the table does not refresh itself
    assert 'href="/contacts/imports" aria-current="page">Imports</a>' in page


def test_only_the_accounts_own_imports_are_listed(app, member_client, account, make_account):
    other = make_account("Other Firm")
    _add_import(app, other.account_id, other.admin_id, "theirs.csv", ImportStatus.DONE)
    ours = _add_import(app, account.account_id, account.admin_id, "ours.csv", ImportStatus.DONE)

    page = member_client.get("/contacts/imports").get_data(as_text=True)

    assert _rows(page) == [str(ours)]
    assert "theirs.csv" not in page


def test_a_running_import_keeps_the_table_refreshing_until_it_ends(app, member_client, account):
    upload = _add_import(app, account.account_id, account.member_id, "duzy.csv", ImportStatus.RUNNING,
                         rows_read=4000, bytes_read=250, total_bytes=1000)

    page = member_client.get("/contacts/imports").get_data(as_text=True)
    assert 'hx-get="/contacts/imports" hx-trigger="every 2s"' in page
    assert "Running: 25%" in page and "4000 rows read so far" in page

    with in_account(app, account.account_id):
        db.session.get(ContactImport, upload).status = ImportStatus.DONE.value
        db.session.commit()
    fragment = member_client.get("/contacts/imports", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="imports"')
    assert "hx-trigger" not in fragment and "0 new, 0 updated" in fragment


def test_the_list_goes_on_in_pages_of_older_imports(app, member_client, account):
    with in_account(app, account.account_id):
        db.session.execute(insert(ContactImport), [
            {"account_id": account.account_id, "created_by_id": account.admin_id, "filename": f"plik-{n}.csv",
             "status": ImportStatus.DONE.value, "encoding": "utf-8", "delimiter": ","}
            for n in range(PAGE_SIZE + 3)
        ])
        db.session.commit()

    first = member_client.get("/contacts/imports").get_data(as_text=True)
    ids = _rows(first)
    assert len(ids) == PAGE_SIZE and ids == sorted(ids, key=int, reverse=True)
    older = re.search(r'href="(/contacts/imports\?before=\d+)"[^>]*>Older imports</a>', first).group(1)
    second = member_client.get(older).get_data(as_text=True)
    assert len(_rows(second)) == 3 and set(_rows(second)).isdisjoint(ids)
    assert "Older imports" not in second


def test_an_account_without_imports_is_shown_how_to_start_and_a_bad_page_is_not_found(member_client):
    page = member_client.get("/contacts/imports").get_data(as_text=True)
    assert "No imports yet" in page and 'href="/contacts/imports/new" role="button">Import a file</a>' in page
    assert member_client.get("/contacts/imports?before=abc").status_code == 404
    assert "No older imports." in member_client.get("/contacts/imports?before=1").get_data(as_text=True)


def test_an_import_by_a_removed_user_still_shows(app, member_client, account):
    with in_account(app, account.account_id):
        user = User(account_id=account.account_id, email="former@areto-net.example", password_hash="x")
        db.session.add(user)
        db.session.commit()
        user_id = user.id
    _add_import(app, account.account_id, user_id, "stary.csv", ImportStatus.DONE)
    with in_account(app, account.account_id):
        db.session.delete(db.session.get(User, user_id))
        db.session.commit()

    page = member_client.get("/contacts/imports").get_data(as_text=True)
    assert "stary.csv" in page and "a removed user" in page


def test_the_imports_page_needs_a_sign_in(client):
    response = client.get("/contacts/imports")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
