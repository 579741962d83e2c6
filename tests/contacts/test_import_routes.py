"""The import pages: upload, mapping with a live preview, the job on a worker, summary and report."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Contact, ContactImport, ContactImportChunk, ContactList
from portal.queue import get_queue
from portal.tenancy import account_scope
from tests.in_process_worker import InProcessWorker

FILE = "Telefon;Imię;Miasto\n600 100 200;Anna;Kraków\n600 100 201;Jan;Gdańsk\nabc;Zły;\n".encode("cp1250")


def work_off_imports(app) -> None:
    with app.app_context():
        queue = get_queue("bulk")
        InProcessWorker([queue], connection=queue.connection).work(burst=True)


def _upload(client, data=FILE, name="klienci.csv"):
    return client.post("/contacts/imports/new", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data")


def test_upload_shows_the_guessed_mapping_and_a_preview_of_the_rows(member_client):
    response = _upload(member_client)
    assert response.status_code == 302
    page = member_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "klienci.csv · Windows-1250, semicolon-separated" in page
    assert re.search(r'<option selected value="phone">Phone number</option>', page)
    assert "+48600100200" in page and "Telefon: not a phone number" in page
    assert 'value="klienci"' in page  # the new list is named after the file


def test_changing_a_column_re_reads_the_preview_for_htmx(member_client):
    location = _upload(member_client).headers["Location"]
    response = member_client.post(location, headers={"HX-Request": "true"}, data={
        "action": "preview", "targets-0": "field", "targets-1": "first_name", "targets-2": "field",
        "list_id": "new", "new_list": "x"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<section id="preview"')
    assert "no phone column chosen" in html and "Telefon: 600 100 200" in html


def test_a_mapping_without_a_phone_column_is_refused(member_client):
    location = _upload(member_client).headers["Location"]
    response = member_client.post(location, data={
        "action": "start", "targets-0": "skip", "targets-1": "first_name", "targets-2": "field",
        "list_id": "new", "new_list": "x"})
    assert response.status_code == 422
    assert "Choose the column that holds the phone numbers." in response.get_data(as_text=True)


def test_the_import_runs_on_a_worker_and_ends_with_a_summary_and_a_report(app, member_client, account):
    location = _upload(member_client).headers["Location"]
    started = member_client.post(location, data={
        "action": "start", "targets-0": "phone", "targets-1": "first_name", "targets-2": "field",
        "list_id": "new", "new_list": "Klienci"})
    assert started.status_code == 302
    progress_url = started.headers["Location"]
    progress = member_client.get(progress_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert 'hx-trigger="every 2s"' in progress and "Waiting for a worker" in progress
    work_off_imports(app)
    done = member_client.get(progress_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "hx-trigger" not in done  # polling stops
    assert "<dt>New contacts</dt><dd>2</dd>" in done
    assert "<dt>Rows with a problem (skipped)</dt><dd>1</dd>" in done
    report = member_client.get(progress_url + "/errors.csv").get_data(as_text=True)
    assert report.lstrip("\ufeff").splitlines() == [
        "row,column,value,problem", "4,Telefon,abc,not a phone number"
    ]
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 2
        assert db.session.scalar(select(ContactList.name)) == "Klienci"


def test_a_file_over_the_limit_is_refused_with_the_limit_named(app, member_client, account):
    app.config["MAX_UPLOAD_LENGTH"] = 1024 * 1024
    big = b"phone\n" + b"600100200\n" * 120_000
    response = _upload(member_client, big)
    assert response.status_code == 413
    assert "larger than the limit of 1.0 MB" in response.get_data(as_text=True)
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(func.count()).select_from(ContactImport)) == 0
        assert db.session.scalar(select(func.count()).select_from(ContactImportChunk)) == 0


def test_other_files_are_refused_with_a_message(member_client):
    response = _upload(member_client, b"x", name="contacts.xlsx")
    assert response.status_code == 422 and "Choose a .csv or .txt file" in response.get_data(as_text=True)
    response = _upload(member_client, b"  \n", name="empty.csv")
    assert "The file is empty." in response.get_data(as_text=True)


def test_cancelling_a_queued_import_saves_nothing(app, member_client, account):
    location = _upload(member_client).headers["Location"]
    started = member_client.post(location, data={
        "action": "start", "targets-0": "phone", "targets-1": "first_name", "targets-2": "field",
        "list_id": "new", "new_list": "Klienci"})
    member_client.post(started.headers["Location"] + "/cancel")
    work_off_imports(app)
    page = member_client.get(started.headers["Location"]).get_data(as_text=True)
    assert "The import was cancelled." in page
    with app.app_context(), account_scope(account.account_id):
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 0


def test_another_accounts_import_is_not_found(member_client, make_account, auth):
    location = _upload(member_client).headers["Location"]
    other = make_account("Other")
    auth.logout()
    auth.login(other.member_email)
    assert member_client.get(location).status_code == 404


def test_a_consent_column_is_guessed_previewed_and_counted_in_the_summary(app, member_client):
    data = b"Telefon;Zgoda\n600 100 200;31.05.2024\n600 100 201;nie\n"
    location = _upload(member_client, data, "zgody.csv").headers["Location"]
    page = member_client.get(location).get_data(as_text=True)
    assert re.search(r'<option selected value="consent">Consent \(yes/no or the date given\)</option>', page)
    assert "OK (consent given <time" in page and "2024-05-31 00:00 CEST</time>)" in page
    assert "OK (consent withdrawn)" in page
    started = member_client.post(location, data={
        "action": "start", "targets-0": "phone", "targets-1": "consent", "list_id": "new",
        "new_list": "Zgody"})
    work_off_imports(app)
    summary = member_client.get(started.headers["Location"]).get_data(as_text=True)
    assert "<dt>Consent given</dt><dd>1</dd>" in summary


def test_a_lists_export_imports_back_as_it_was(app, member_client, account):
    from datetime import UTC, datetime

    from portal.contacts.csv_import import guess_targets
    from portal.models import ContactListMember, OptOut

    account_id = account.account_id
    with app.app_context(), account_scope(account_id):
        customers = ContactList(account_id=account_id, name="Klienci")
        contacts = [
            Contact(account_id=account_id, phone="+48600100200", first_name="Anna", last_name="Nowak",
                    fields={"city": "Kraków", "tier": "gold; founding", "note": "=1+1"},
                    consent_at=datetime(2024, 5, 31, 9, 15, 30, 250000, tzinfo=UTC),
                    consent_source="shop counter, Gdynia"),
            Contact(account_id=account_id, phone="+48600100201", first_name="Jan", fields={"city": "Gdańsk"}),
            Contact(account_id=account_id, phone="+12025550100", first_name="", fields={}),
        ]
        db.session.add_all([customers, *contacts])
        db.session.flush()
        db.session.add_all(ContactListMember(account_id=account_id, list_id=customers.id, contact_id=c.id)
                           for c in contacts)
        db.session.add(OptOut(account_id=account_id, phone="+48600100201", reason="asked"))
        db.session.commit()
        list_id = customers.id

    def everyone():
        with app.app_context(), account_scope(account_id):
            return {c.phone: (c.first_name, c.last_name, c.fields, c.consent_at, c.consent_source)
                    for c in db.session.scalars(select(Contact))}

    before = everyone()
    exported = member_client.get(f"/contacts/lists/{list_id}/export.csv").get_data()
    lines = exported.decode("utf-8-sig").splitlines()
    assert lines[0] == "phone,first_name,last_name,opted_out,consent_at,consent_source,city,note,tier"
    assert lines[1] == ('+48600100200,Anna,Nowak,no,2024-05-31T09:15:30.250000+00:00,"shop counter, Gdynia",'
                        "Kraków,'=1+1,gold; founding")  # a spreadsheet shows the formula, not its result

    location = _upload(member_client, exported, "list-export.csv").headers["Location"]
    mapping = member_client.get(location).get_data(as_text=True)
    assert "11:15 CEST</time>, shop counter, Gdynia)" in mapping  # the preview: when and where
    headers = lines[0].split(",")
    assert guess_targets(headers) == ["phone", "first_name", "last_name", "opted_out", "consent",
                                      "consent_source", "field", "field", "field"]
    started = member_client.post(location, data={
        "action": "start", **{f"targets-{i}": target for i, target in enumerate(guess_targets(headers))},
        "list_id": "new", "new_list": "Klienci again"})
    assert started.status_code == 302
    work_off_imports(app)
    summary = member_client.get(started.headers["Location"]).get_data(as_text=True)
    assert "<dt>Known numbers updated</dt><dd>3</dd>" in summary
    assert "<dt>New contacts</dt><dd>0</dd>" in summary

    assert everyone() == before
    with app.app_context(), account_scope(account_id):
        again = db.session.scalar(select(ContactList.id).where(ContactList.name == "Klienci again"))
        members = db.session.scalar(select(func.count()).select_from(ContactListMember)
                                    .where(ContactListMember.list_id == again))
        assert members == 3
        assert db.session.scalars(select(OptOut.phone)).all() == ["+48600100201"]
