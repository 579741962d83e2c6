"""Reading a contacts file the way people really have it: sniffing, guessing columns, streaming rows.

Files come from Excel (Polish Excel writes Windows-1250 with semicolons), Google Sheets (UTF-8,
commas), other CRMs (tabs, a BOM). Nothing here touches the database: bytes in, rows out, so the
same code serves the preview in the web process and the import job on any worker.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from portal.contacts.phones import PhoneError, normalise_phone
from portal.downloads import from_spreadsheet_cell

DELIMITERS = (";", ",", "\t")
DELIMITER_NAMES = {";": "semicolon", ",": "comma", "\t": "tab"}
ENCODING_NAMES = {"utf-8-sig": "UTF-8", "utf-8": "UTF-8", "cp1250": "Windows-1250"}

# Where a column goes; "field" keeps it as a custom field named after its header.
PHONE, FIRST_NAME, LAST_NAME, OPTED_OUT, CONSENT, CONSENT_SOURCE, FIELD, SKIP = (
    "phone", "first_name", "last_name", "opted_out", "consent", "consent_source", "field", "skip",
)
TARGETS = {
    PHONE: "Phone number",
    FIRST_NAME: "First name",
    LAST_NAME: "Last name",
    OPTED_OUT: "Opted out (yes/no)",
    CONSENT: "Consent (yes/no or the date given)",
    CONSENT_SOURCE: "Where consent was given",
    FIELD: "Custom field",
    SKIP: "Do not import",
}

# Headers people write, normalised (lower case, no accents, letters and digits only).
_HEADER_GUESSES = {
    PHONE: {
        "phone", "phonenumber", "phoneno", "mobile", "mobilephone", "mobilenumber", "cell", "cellphone",
        "msisdn", "gsm", "tel", "telephone", "telefon", "nrtelefonu", "numertelefonu", "telefonkomorkowy",
        "komorka", "nrkomorki", "numer", "nr", "number", "tel1", "telefon1", "sms",
    },
    FIRST_NAME: {"firstname", "first", "givenname", "forename", "imie", "name1"},
    LAST_NAME: {"lastname", "last", "surname", "familyname", "nazwisko", "name2"},
    OPTED_OUT: {
        "optedout", "optout", "unsubscribed", "unsubscribe", "stop", "wypisany", "wypisana", "rezygnacja",
        "brakzgody", "wypis",
    },
    CONSENT: {
        "consent", "consentat", "consentdate", "consentgiven", "marketingconsent", "smsconsent", "optin",
        "optedin", "zgoda", "zgodamarketingowa", "zgodanasms", "zgodasms", "zgodanamarketing", "datazgody",
        "zgody",
    },
    CONSENT_SOURCE: {
        "consentsource", "sourceofconsent", "consentorigin", "consentvia", "zrodlozgody", "zgodazrodlo",
        "gdziezgoda",
    },
}
_YES = {"1", "yes", "y", "true", "t", "x", "tak", "prawda", "opted out", "optedout", "stop"}
_NO = {"", "0", "no", "n", "false", "f", "nie", "falsz"}
_CONSENT_YES = _YES - {"opted out", "optedout", "stop"}
# Dates as Polish (and most European) spreadsheets write them; ISO 8601 is read as well.
_DOTTED_DATES = ("%d.%m.%Y", "%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S")

MAX_FIELD_LENGTH = 500
NAME_LENGTH = 100
CONSENT_SOURCE_LENGTH = 100


class FileFormatError(ValueError):
    """The file cannot be read as rows of text; str() says why, for a person."""


@dataclass(frozen=True)
class Sniffed:
    encoding: str
    delimiter: str


def sniff(head: bytes) -> Sniffed:
    """Encoding and delimiter from the first bytes of a file."""
    encoding = sniff_encoding(head)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head, final=False)
    return Sniffed(encoding, sniff_delimiter(text))


def sniff_encoding(head: bytes) -> str:
    """UTF-8 (with its BOM remembered) when the bytes are UTF-8, else Windows-1250.

    Windows-1250 decodes any byte, so it is the fallback: Polish Excel's "CSV" is written in it.
    """
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if b"\x00" in head[:4096]:
        raise FileFormatError(
            "This looks like a spreadsheet or other binary file. Save it as CSV and upload again."
        )
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1250"
    return "utf-8"


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the same number (more than one) of columns."""
    lines = [line for line in text.splitlines()[:20] if line.strip()]
    if len(lines) > 1 and not text.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut off in the middle
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not widths:
            continue
        consistent = sum(1 for width in widths if width == widths[0])
        score = (consistent if widths[0] > 1 else 0, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


def normalise_header(header: str) -> str:
    plain = unicodedata.normalize("NFKD", header.replace("ł", "l").replace("Ł", "L"))
    return re.sub(r"[^a-z0-9]", "", plain.encode("ascii", "ignore").decode().lower())


def guess_targets(headers: list[str]) -> list[str]:
    """A target per column from its header; each target but custom fields is guessed at most once."""
    taken: set[str] = set()
    targets = []
    for header in headers:
        key = normalise_header(header)
        target = next((t for t, names in _HEADER_GUESSES.items() if key in names and t not in taken), None)
        if target is None:
            target = FIELD if key else SKIP
        else:
            taken.add(target)
        targets.append(target)
    return targets


class _ChunkStream(io.RawIOBase):
    """A readable byte stream over an iterable of chunks, counting the bytes handed out."""

    def __init__(self, chunks: Iterable[bytes]):
        self._chunks = iter(chunks)
        self._pending = b""
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while not self._pending:
            try:
                self._pending = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._pending))
        buffer[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        self.bytes_read += size
        return size


class RowReader:
    """Rows of a file streamed from its chunks: (row number as in a spreadsheet, cells).

    Row 1 is the header. Memory holds one chunk and one row, whatever the size of the file.
    """

    def __init__(self, chunks: Iterable[bytes], encoding: str, delimiter: str):
        self._stream = _ChunkStream(chunks)
        text = io.TextIOWrapper(io.BufferedReader(self._stream, 65536), encoding=encoding,
                                errors="replace", newline="")
        self._reader = csv.reader(text, delimiter=delimiter)
        self.headers: list[str] = []

    @property
    def bytes_read(self) -> int:
        return self._stream.bytes_read

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        try:
            self.headers = [cell.replace("\x00", "").strip() for cell in next(self._reader)]
        except StopIteration:
            return
        except csv.Error as error:
            raise FileFormatError(f"The first line cannot be read as CSV ({error}).") from None
        while True:
            try:
                cells = next(self._reader)
            except StopIteration:
                return
            except csv.Error as error:
                line = self._reader.line_num
                raise FileFormatError(f"Line {line} cannot be read as CSV ({error}).") from None
            if any(cell.strip() for cell in cells):
                yield self._reader.line_num, cells


@dataclass
class Problem:
    column: str
    value: str
    problem: str


@dataclass
class ParsedRow:
    """One row read through the mapping: a contact to merge, or the problem that stops it."""

    row_number: int
    phone: str | None = None
    first_name: str = ""
    last_name: str = ""
    fields: dict[str, str] = field(default_factory=dict)
    opted_out: bool = False
    # What the consent column says: None when nothing (no such column, or an empty cell), else
    # whether consent is given and, when the cell gives it, since when (UTC).
    consent: bool | None = None
    consent_at: datetime | None = None
    consent_source: str | None = None  # where it was given, recorded with a consent the row gives
    problem: Problem | None = None


def read_consent(
    value: str, zone: ZoneInfo, now: datetime | None = None
) -> tuple[bool, datetime | None] | None:
    """Consent as a cell states it: None for an empty cell (nothing stated), (False, None) for no,
    (True, None) for yes, and (True, when) for the date, or date and time, it was given: read in
    `zone` unless the cell names its UTC offset, and never later than now. ValueError otherwise."""
    text = value.strip()
    key = text.lower()
    if not key:
        return None
    if key in _CONSENT_YES:
        return True, None
    if key in _NO:
        return False, None
    when = _read_date(text)
    if when is None:
        raise ValueError(f"“{value}” is not yes, no or a date such as 2024-05-31 or 31.05.2024")
    when = (when if when.tzinfo is not None else when.replace(tzinfo=zone)).astimezone(UTC)
    if when > (now or datetime.now(UTC)):
        raise ValueError(f"“{value}” is a date still to come")
    return True, when


def _read_date(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for layout in _DOTTED_DATES:
        try:
            return datetime.strptime(text, layout)  # noqa: DTZ007 (the zone is the account's, set by the caller)
        except ValueError:
            continue
    return None


def read_opted_out(value: str) -> bool:
    """Yes/no as people write it in a spreadsheet (English or Polish); ValueError otherwise."""
    key = value.strip().lower()
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError(f"“{value}” is not yes or no")


NUL_PROBLEM = "holds an invisible NUL character (shown as ␀): correct the cell and import the file again"


def parse_row(row_number: int, cells: list[str], headers: list[str], targets: list[str],
              default_country: str, zone: str = "UTC") -> ParsedRow:
    """Apply the column mapping to one row and check it; the first problem found is reported. National
    numbers are read in `default_country`, consent dates without an offset in the time zone `zone`."""
    row = ParsedRow(row_number)
    phone_value = None
    phone_column = ""
    for index, target in enumerate(targets):
        value = from_spreadsheet_cell(cells[index].strip()) if index < len(cells) else ""
        header = headers[index] if index < len(headers) else f"Column {index + 1}"
        if target != SKIP and "\x00" in value:  # past the bytes sniffed as binary; no database stores it
            row.problem = Problem(header, value.replace("\x00", "\u2400"), NUL_PROBLEM)
            return row
        if target == PHONE:
            phone_value, phone_column = value, header
        elif target == FIRST_NAME:
            row.first_name = value[:NAME_LENGTH]
        elif target == LAST_NAME:
            row.last_name = value[:NAME_LENGTH]
        elif target == OPTED_OUT:
            try:
                row.opted_out = read_opted_out(value)
            except ValueError as error:
                row.problem = Problem(header, value, str(error))
        elif target == CONSENT:
            try:
                stated = read_consent(value, ZoneInfo(zone))
            except ValueError as error:
                row.problem = Problem(header, value, str(error))
            else:
                if stated is not None:
                    row.consent, row.consent_at = stated
        elif target == CONSENT_SOURCE:
            row.consent_source = value[:CONSENT_SOURCE_LENGTH] or None
        elif target == FIELD and value:
            row.fields[header] = value[:MAX_FIELD_LENGTH]
    if phone_value is not None and row.problem is None:
        try:
            row.phone = normalise_phone(phone_value, default_country)
        except PhoneError as error:
            row.problem = Problem(phone_column, phone_value, str(error))
    return row
