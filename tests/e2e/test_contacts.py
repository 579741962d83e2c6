"""Contacts in real Chromium: import a spreadsheet from upload to error report; search and add to a list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.contacts.test_import_routes import work_off_imports
from tests.e2e.test_sign_in import sign_in

pytestmark = pytest.mark.e2e

EXCEL_FILE = (
    "Nr telefonu;Imię;Nazwisko;Miasto\r\n"
    "600 100 200;Łucja;Wiśniewska;Łódź\r\n"
    "+48 600 100 201;Jan;Kowalski;Gdańsk\r\n"
    "600 100 200;Łucja;Powtórka;Łódź\r\n"
    "12 34;Zły;Numer;Kraków\r\n"
).encode("cp1250")


def test_member_imports_a_file_maps_columns_watches_progress_and_gets_the_report(
    app, page, account, tmp_path
):
    upload = tmp_path / "klienci.csv"
    upload.write_bytes(EXCEL_FILE)
    sign_in(page, account.member_email)
    page.goto("/contacts/imports/new")
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()

    expect(page.get_by_text("klienci.csv · Windows-1250, semicolon-separated")).to_be_visible()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("+48600100200")
    page.get_by_label("Nr telefonu").select_option("skip")  # htmx re-reads the preview
    expect(preview).to_contain_text("no phone column chosen")
    page.get_by_label("Nr telefonu").select_option("phone")
    expect(preview).to_contain_text("Nr telefonu: number for country PL is too short")
    page.get_by_label("Name of the new list").fill("Klienci z Excela")
    page.get_by_role("button", name="Import").click()

    progress = page.locator("#import-progress")
    expect(progress).to_contain_text("Waiting for a worker")
    expect(progress.locator("progress")).to_be_visible()
    work_off_imports(app)
    expect(progress).to_contain_text("Import finished.")  # the polling fragment turned into the summary
    expect(progress.locator(".import-summary")).to_contain_text(re.compile(r"New contacts\s*2"))
    expect(progress).to_contain_text(re.compile(r"Duplicates in the file \(skipped\)\s*1"))
    with page.expect_download() as download:
        progress.get_by_role("button", name="Download the 2 skipped rows (CSV)").click()
    report = Path(download.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert report == [
        "row,column,value,problem",
        "4,Nr telefonu,+48600100200,the same number as row 2",
        "5,Nr telefonu,12 34,number for country PL is too short",
    ]
    progress.get_by_role("link", name="Klienci z Excela").click()
    expect(page.locator("#audience")).to_contain_text(re.compile(r"Would receive a message\s*2"))


def test_the_list_of_imports_follows_a_running_import_to_its_result(app, page, account, tmp_path):
    upload = tmp_path / "nowi.csv"
    upload.write_bytes(EXCEL_FILE)
    sign_in(page, account.member_email)
    page.goto("/contacts/")
    page.get_by_role("link", name="Imports").click()
    expect(page.get_by_text("No imports yet")).to_be_visible()
    page.get_by_role("button", name="Import a file").first.click()
    page.get_by_label("File").set_input_files(str(upload))
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("button", name="Import").click()
    expect(page.locator("#import-progress")).to_contain_text("Waiting for a worker")

    page.get_by_role("link", name="Imports").click()
    row = page.locator("#imports tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Waiting for a worker")
    work_off_imports(app)
    expect(row).to_contain_text("2 new, 0 updated, 1 duplicate skipped, 1 row with a problem skipped")
    expect(page.locator("#imports[hx-trigger]")).to_have_count(0)  # finished: the table stops refreshing
    row.get_by_role("link", name="nowi.csv").click()
    expect(page.locator("#import-progress")).to_contain_text("Import finished.")


def test_member_searches_as_they_type_and_adds_the_results_to_a_list(page, account):
    sign_in(page, account.member_email)
    for phone, first, last in [("600 100 200", "Anna", "Nowak"), ("601 200 300", "Jan", "Kowalski"),
                               ("600 100 999", "Ewa", "Nowicka")]:
        page.goto("/contacts/new")
        page.get_by_label("Phone number").fill(phone)
        page.get_by_label("First name").fill(first)
        page.get_by_label("Last name").fill(last)
        page.get_by_role("button", name="Save contact").click()
        expect(page.get_by_text("saved.")).to_be_visible()
    page.goto("/contacts/lists")
    page.get_by_label("List name").fill("Nowi")
    page.get_by_role("button", name="Create list").click()

    page.goto("/contacts/")
    page.get_by_role("searchbox", name="Search contacts").fill("600 100")
    results = page.locator("#results")
    expect(results.locator("tbody tr")).to_have_count(2)
    expect(results).not_to_contain_text("Kowalski")
    expect(page).to_have_url(re.compile(r"/contacts/\?q=600(\+|%20)100$"))
    results.get_by_label("Which contacts").select_option("all")
    results.get_by_role("button", name="Add to list").click()
    expect(page.get_by_text("2 contact(s) added to “Nowi”.")).to_be_visible()

    page.goto("/contacts/lists")
    page.get_by_role("link", name="Nowi").click()
    members = page.locator("#members")
    expect(members).to_contain_text("Nowak")
    expect(members).to_contain_text("Nowicka")
    expect(members).not_to_contain_text("Kowalski")
