"""CSV cells as spreadsheets show them: text that would run as a formula is kept as text."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from portal.downloads import from_spreadsheet_cell, spreadsheet_cell


@pytest.mark.parametrize(("value", "cell"), [
    (None, ""),
    (datetime(2024, 5, 31, 9, 15, tzinfo=UTC), "2024-05-31T09:15:00+00:00"),
    (Decimal("0.1600"), "0.1600"),
    (42, "42"),
    ("Anna", "Anna"),
    ("+48600100200", "+48600100200"),  # a number in E.164, not a formula
    ("-1.5", "-1.5"),
    ("=HYPERLINK(\"http://example.com\",\"Open\")", "'=HYPERLINK(\"http://example.com\",\"Open\")"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
    ("-2+3", "'-2+3"),
    ("+48 600 100 200", "'+48 600 100 200"),  # a spreadsheet would read the spaces as an operator
    ("\t=1+1", "'\t=1+1"),
    ("'quoted", "'quoted"),
])
def test_a_cell_is_written_as_a_spreadsheet_should_show_it(value, cell):
    assert spreadsheet_cell(value) == cell


@pytest.mark.parametrize("text", ["=1+1", "@SUM(A1)", "+cmd|' /C calc'!A0", "-2+3", "Anna", "'quoted",
                                  "+48600100200", "'"])
def test_an_import_reads_a_cell_back_as_it_was(text):
    assert from_spreadsheet_cell(spreadsheet_cell(text)) == text
