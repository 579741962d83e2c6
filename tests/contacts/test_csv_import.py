"""Reading files as people have them: encodings, delimiters, Polish and English headers, row checks."""

from __future__ import annotations

import codecs
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.contacts.csv_import import (
    CONSENT,
    CONSENT_SOURCE,
    FIELD,
    FIRST_NAME,
    LAST_NAME,
    OPTED_OUT,
    PHONE,
    SKIP,
    FileFormatError,
    RowReader,
    guess_targets,
    parse_row,
    read_consent,
    sniff,
)
from portal.contacts.list_routes import EXPORT_HEADER

POLISH = "Telefon;Imię;Nazwisko;Miejscowość\n600 100 200;Łucja;Żółć;Łódź\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (POLISH.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + POLISH.encode("utf-8"), "utf-8-sig"),
        (POLISH.encode("cp1250"), "cp1250"),
    ],
)
def test_encodings_are_recognised_and_polish_letters_survive(data, encoding):
    sniffed = sniff(data)
    assert sniffed.encoding == encoding
    reader = RowReader([data], sniffed.encoding, sniffed.delimiter)
    rows = list(reader)
    assert reader.headers == ["Telefon", "Imię", "Nazwisko", "Miejscowość"]
    assert rows == [(2, ["600 100 200", "Łucja", "Żółć", "Łódź"])]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_the_delimiter_is_detected(delimiter):
    text = delimiter.join(["phone", "first name", "note"]) + "\n"
    text += delimiter.join(["600100200", "Anna", '"a, b; c"']) + "\n"
    assert sniff(text.encode()).delimiter == delimiter


def test_a_number_with_commas_in_quotes_does_not_fool_the_sniffer():
    text = 'name;phone;note\n"Nowak, Anna";600100200;"x,y,z"\n"Kowalski, Jan";600100201;"1,2"\n'
    assert sniff(text.encode()).delimiter == ";"


def test_rows_stream_across_chunk_boundaries_even_inside_a_multibyte_letter():
    data = ("phone,city\n" + "".join(f"6001002{n:02d},Łódź\n" for n in range(50))).encode("utf-8")
    chunks = [data[i:i + 7] for i in range(0, len(data), 7)]
    reader = RowReader(chunks, "utf-8", ",")
    rows = list(reader)
    assert len(rows) == 50 and all(cells[1] == "Łódź" for _n, cells in rows)
    assert reader.bytes_read == len(data)


def test_row_numbers_match_the_spreadsheet_and_blank_lines_are_skipped():
    rows = list(RowReader([b"phone\n600100200\n\n600100201\n"], "utf-8", ","))
    assert rows == [(2, ["600100200"]), (4, ["600100201"])]


def test_binary_files_are_refused_with_a_plain_message():
    with pytest.raises(FileFormatError, match="Save it as CSV"):
        sniff(b"PK\x03\x04\x00\x00binary")


@pytest.mark.parametrize(
    ("headers", "targets"),
    [
        (["Telefon", "Imię", "Nazwisko", "Wypisany"], [PHONE, FIRST_NAME, LAST_NAME, OPTED_OUT]),
        (["Phone number", "First Name", "Last name", "Opted out"], [PHONE, FIRST_NAME, LAST_NAME, OPTED_OUT]),
        (["mobile", "Surname", "City", ""], [PHONE, LAST_NAME, FIELD, SKIP]),
        (["Nr telefonu", "Tel.", "Komórka"], [PHONE, FIELD, FIELD]),
        (["E-mail", "GSM"], [FIELD, PHONE]),
    ],
)
def test_columns_are_guessed_from_polish_and_english_headers(headers, targets):
    assert guess_targets(headers) == targets


HEADERS = ["telefon", "imię", "miasto", "wypisany"]
TARGETS = [PHONE, FIRST_NAME, FIELD, OPTED_OUT]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("600 100 200", "+48600100200"),
        ("600-100-200", "+48600100200"),
        ("+48 600 100 200", "+48600100200"),
        ("0048 600 100 200", "+48600100200"),
        ("+49 30 123456", "+4930123456"),
        ("(22) 123 45 67", "+48221234567"),
    ],
)
def test_numbers_are_read_into_e164(raw, expected):
    assert parse_row(2, [raw, "Anna", "Kraków", "nie"], HEADERS, TARGETS, "PL").phone == expected


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("ala ma kota", "not a phone number"),
        ("600 100", "number for country PL is too short"),
        ("+48 600 100 200 300", "number for country PL is too long"),
        ("+999 600100200", "the country code is not one that exists"),
        ("", "no phone number"),
    ],
)
def test_bad_numbers_get_the_reason_in_plain_words(raw, problem):
    row = parse_row(7, [raw, "Anna", "", ""], HEADERS, TARGETS, "PL")
    assert row.phone is None
    assert (row.problem.column, row.problem.value, row.problem.problem) == ("telefon", raw, problem)


def test_national_numbers_are_read_in_the_accounts_country():
    assert parse_row(2, ["030 123456", "", "", ""], HEADERS, TARGETS, "DE").phone == "+4930123456"


def test_fields_names_and_opt_outs_come_from_their_columns():
    row = parse_row(2, ["600100200", " Anna ", "Kraków", "TAK"], HEADERS, TARGETS, "PL")
    assert (row.first_name, row.fields, row.opted_out) == ("Anna", {"miasto": "Kraków"}, True)
    assert row.problem is None
    short = parse_row(3, ["600100200"], HEADERS, TARGETS, "PL")
    assert (short.first_name, short.fields, short.opted_out) == ("", {}, False)


def test_an_opt_out_value_that_is_not_yes_or_no_is_a_problem():
    row = parse_row(2, ["600100200", "", "", "maybe"], HEADERS, TARGETS, "PL")
    assert (row.problem.column, row.problem.problem) == ("wypisany", "“maybe” is not yes or no")


def test_a_cell_with_a_nul_is_a_problem_of_its_row_unless_the_column_is_skipped():
    row = parse_row(9, ["600100200", "An\x00na", "", ""], HEADERS, TARGETS, "PL")
    assert row.problem is not None
    assert (row.problem.column, row.problem.value) == ("imię", "An\u2400na")
    assert "NUL" in row.problem.problem
    skipped = parse_row(9, ["600100200", "An\x00na", "", ""], HEADERS, [PHONE, SKIP, FIELD, OPTED_OUT], "PL")
    assert skipped.problem is None and skipped.phone == "+48600100200"


WARSAW = ZoneInfo("Europe/Warsaw")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cell", "stated"),
    [
        ("", None),
        ("  ", None),
        ("tak", (True, None)),
        ("Yes", (True, None)),
        ("x", (True, None)),
        ("nie", (False, None)),
        ("0", (False, None)),
        ("2024-05-31", (True, datetime(2024, 5, 30, 22, 0, tzinfo=UTC))),  # midnight in Warsaw (CEST)
        ("31.05.2024", (True, datetime(2024, 5, 30, 22, 0, tzinfo=UTC))),
        ("15.01.2025 14:30", (True, datetime(2025, 1, 15, 13, 30, tzinfo=UTC))),  # CET
        ("2025-01-15 14:30:05", (True, datetime(2025, 1, 15, 13, 30, 5, tzinfo=UTC))),
        ("2025-01-15T14:30:00+00:00", (True, datetime(2025, 1, 15, 14, 30, tzinfo=UTC))),  # its own offset
    ],
)
def test_a_consent_cell_says_yes_no_or_since_when_read_in_the_accounts_zone(cell, stated):
    assert read_consent(cell, WARSAW, NOW) == stated


@pytest.mark.parametrize(
    ("cell", "problem"),
    [
        ("maybe", "“maybe” is not yes, no or a date such as 2024-05-31 or 31.05.2024"),
        ("stop", "“stop” is not yes, no or a date such as 2024-05-31 or 31.05.2024"),  # an opt-out word
        # Day or month first? Slashes are left unread rather than guessed.
        ("31/05/2024", "“31/05/2024” is not yes, no or a date such as 2024-05-31 or 31.05.2024"),
        ("32.05.2024", "“32.05.2024” is not yes, no or a date such as 2024-05-31 or 31.05.2024"),
        ("2027-01-01", "“2027-01-01” is a date still to come"),
    ],
)
def test_a_consent_cell_that_is_not_yes_no_or_a_past_date_is_refused_by_name(cell, problem):
    with pytest.raises(ValueError, match=f"^{re.escape(problem)}$"):
        read_consent(cell, WARSAW, NOW)


def test_the_consent_column_is_guessed_and_read_into_its_row():
    headers = ["Telefon", "Zgoda marketingowa", "Data zgody"]
    assert guess_targets(headers) == [PHONE, CONSENT, FIELD]  # one consent column only
    # A list's export reads back as written.
    assert guess_targets(EXPORT_HEADER) == [PHONE, FIRST_NAME, LAST_NAME, OPTED_OUT, CONSENT, CONSENT_SOURCE]
    targets = [PHONE, CONSENT]
    given = parse_row(2, ["600100200", "2024-05-31"], headers, targets, "PL", "Europe/Warsaw")
    assert (given.consent, given.consent_at) == (True, datetime(2024, 5, 30, 22, tzinfo=UTC))
    assert given.problem is None
    withdrawn = parse_row(3, ["600100201", "nie"], headers, targets, "PL", "Europe/Warsaw")
    assert (withdrawn.consent, withdrawn.consent_at) == (False, None)
    unstated = parse_row(4, ["600100202", ""], headers, targets, "PL", "Europe/Warsaw")
    assert (unstated.consent, unstated.consent_at) == (None, None)
    wrong = parse_row(5, ["600100203", "kiedyś"], headers, targets, "PL", "Europe/Warsaw")
    assert (wrong.problem.column, wrong.problem.value) == ("Zgoda marketingowa", "kiedyś")


def test_a_consent_source_is_cut_to_the_length_both_of_its_columns_hold():
    from portal.contacts.csv_import import CONSENT_SOURCE_LENGTH
    from portal.models import Contact, ContactImportRow

    lengths = {Contact.consent_source.type.length, ContactImportRow.consent_source.type.length}
    assert lengths == {CONSENT_SOURCE_LENGTH}
