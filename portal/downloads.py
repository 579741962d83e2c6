"""CSV downloads, streamed in chunks so memory stays flat however many rows there are.

Every cell is written as a spreadsheet should show it (`spreadsheet_cell`): text that Excel or
LibreOffice would run as a formula when the file is opened - a contact named `=HYPERLINK(...)`, a
custom field from an imported file, SMSAPI's words - is kept as text behind an apostrophe, which
spreadsheets hide; an import of the portal strips it again (`from_spreadsheet_cell`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from flask import Response, stream_with_context

CHUNK_CHARACTERS = 65536
#: What makes a spreadsheet read a cell as a formula (a tab or carriage return first hides one).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: A number with a sign stays as it is: a phone number in E.164, points, a negative amount.
_SIGNED_NUMBER = re.compile(r"[+-]\d+(?:\.\d+)?")


def spreadsheet_cell(value: Any) -> str:
    """`value` as a CSV cell: empty for None, ISO 8601 for times, and text a spreadsheet would run
    as a formula behind an apostrophe."""
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_START) and not _SIGNED_NUMBER.fullmatch(text):
        return "'" + text
    return text


def from_spreadsheet_cell(text: str) -> str:
    """A cell as `spreadsheet_cell` wrote it, read back: the apostrophe before a formula dropped."""
    if text.startswith("'") and text[1:].startswith(FORMULA_START):
        return text[1:]
    return text


def csv_download(filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Response:
    """A CSV attachment; `rows` is read lazily while the response is sent, inside the request."""

    def generate() -> Iterator[str]:
        buffer = io.StringIO()
        buffer.write("\ufeff")  # so that Excel reads the file as UTF-8
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows:
            writer.writerow([spreadsheet_cell(value) for value in row])
            if buffer.tell() > CHUNK_CHARACTERS:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
