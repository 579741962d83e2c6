"""A contacts import: the uploaded file kept in the database, staged row by row, merged all at once.

The file's bytes live in `contact_import_chunk` so a worker on any machine can read them. The job
streams them through `csv_import`, stages every row (valid or not) in `contact_import_row` in
batches, each committed with the progress so the page can show it, then merges the staged rows into
contacts, list memberships and opt-outs in ONE transaction. Until that transaction commits nothing
a user sees has changed; a cancelled or failed import deletes its staged rows and leaves no trace.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import BinaryIO

from sqlalchemy import delete, func, insert, select, text

from portal.contacts import csv_import
from portal.contacts.csv_import import FileFormatError, ParsedRow, RowReader
from portal.contacts.row_parsing import parsed_batches
from portal.contacts.service import PAGE_SIZE, Page
from portal.extensions import db
from portal.models import (
    Account,
    Contact,
    ContactImport,
    ContactImportChunk,
    ContactImportRow,
    ImportStatus,
    User,
    utcnow,
)

CHUNK_BYTES = 1024 * 1024
BATCH_ROWS = 5000
#: From this size (about 25,000 rows) a file's rows are parsed by several processes (`row_parsing`).
PARALLEL_PARSE_BYTES = 1024 * 1024
PREVIEW_ROWS = 5
OPT_OUT_REASON = "opted out in an imported file"


def parse_processes() -> int:
    """How many processes parse a large file: one per core, at most four."""
    return max(1, min(4, os.cpu_count() or 1))


class ImportTooLarge(ValueError):
    """The file is over the size limit; str() says so with both sizes."""


class ImportCancelled(Exception):
    """Someone pressed Cancel while the job ran."""


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def store_upload(account_id: int, by_user_id: int | None, filename: str, stream: BinaryIO,
                 max_bytes: int) -> ContactImport:
    """Keep an uploaded file in chunks and sniff how it is written; flushes, the caller commits.

    FileFormatError (empty, binary) or ImportTooLarge leave the session to be rolled back.
    """
    head = stream.read(CHUNK_BYTES)
    if not head.strip():
        raise FileFormatError("The file is empty.")
    sniffed = csv_import.sniff(head)
    upload = ContactImport(account_id=account_id, created_by_id=by_user_id, filename=filename[:255],
                           encoding=sniffed.encoding, delimiter=sniffed.delimiter, targets=[])
    db.session.add(upload)
    db.session.flush()
    total, seq, data = 0, 0, head
    while data:
        total += len(data)
        if total > max_bytes:
            raise ImportTooLarge(
                f"The file is larger than the limit of {megabytes(max_bytes)}. "
                "Split it into smaller files and import them one by one."
            )
        db.session.execute(insert(ContactImportChunk),
                           [{"import_id": upload.id, "account_id": account_id, "seq": seq, "data": data}])
        seq += 1
        data = stream.read(CHUNK_BYTES)
    upload.total_bytes = total
    return upload


def file_chunks(upload: ContactImport) -> Iterator[bytes]:
    """The stored file, one chunk at a time (one query each, so memory holds one chunk)."""
    seq = 0
    while True:
        data = db.session.scalar(
            select(ContactImportChunk.data).where(
                ContactImportChunk.account_id == upload.account_id,
                ContactImportChunk.import_id == upload.id,
                ContactImportChunk.seq == seq,
            )
        )
        if data is None:
            return
        yield bytes(data)
        seq += 1


def preview(upload: ContactImport) -> tuple[list[str], list[list[str]]]:
    """Headers and the first rows, read from the first chunk only."""
    first = db.session.scalar(
        select(ContactImportChunk.data).where(
            ContactImportChunk.account_id == upload.account_id,
            ContactImportChunk.import_id == upload.id,
            ContactImportChunk.seq == 0,
        )
    )
    reader = RowReader([bytes(first or b"")], upload.encoding, upload.delimiter)
    rows = []
    for _number, cells in reader:
        rows.append(cells)
        if len(rows) == PREVIEW_ROWS:
            break
    return reader.headers, rows


def stage_rows(upload: ContactImport) -> Iterator[int]:
    """Read the file and stage its rows; yields after each batch is flushed, for the caller to commit.

    Raises ImportCancelled when the import was asked to stop, FileFormatError for an unreadable file.
    """
    country, zone = db.session.execute(
        select(Account.default_country, Account.timezone).where(Account.id == upload.account_id)).one()
    # A retried job (its worker died) starts over: rows staged by the first attempt go.
    db.session.execute(delete(ContactImportRow).where(
        ContactImportRow.account_id == upload.account_id, ContactImportRow.import_id == upload.id))
    upload.rows_read = 0
    reader = RowReader(file_chunks(upload), upload.encoding, upload.delimiter)
    processes = parse_processes() if (upload.total_bytes or 0) >= PARALLEL_PARSE_BYTES else 1
    for batch, bytes_read in parsed_batches(reader, upload.targets, country, zone, BATCH_ROWS, processes):
        yield _flush_batch(upload, batch, bytes_read)


def _flush_batch(upload: ContactImport, batch: list[ParsedRow], bytes_read: int) -> int:
    status = db.session.scalar(select(ContactImport.status).where(ContactImport.id == upload.id))
    if status == ImportStatus.CANCELLING:
        raise ImportCancelled
    if batch:
        _write_staged(upload, batch)
    upload.rows_read += len(batch)
    upload.bytes_read = bytes_read
    db.session.flush()
    return upload.rows_read


def _staged_values(upload: ContactImport, row: ParsedRow) -> tuple:
    problem = row.problem
    return (
        upload.id, upload.account_id, row.row_number, row.phone, row.first_name, row.last_name,
        row.fields, row.opted_out, row.consent, row.consent_at, row.consent_source, False,
        problem.column if problem else None, problem.value if problem else None,
        problem.problem if problem else None,
    )


_STAGED_COLUMNS = (
    "import_id", "account_id", "row_number", "phone", "first_name", "last_name", "fields", "opted_out",
    "consent", "consent_at", "consent_source", "is_duplicate", "column_name", "value", "problem",
)


def _write_staged(upload: ContactImport, batch: list[ParsedRow]) -> None:
    """PostgreSQL: COPY (the fast path for bulk rows); elsewhere one executemany per batch."""
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        raw = connection.connection.driver_connection
        columns = ", ".join(_STAGED_COLUMNS)
        with raw.cursor() as cursor, cursor.copy(f"COPY contact_import_row ({columns}) FROM STDIN") as copy:
            for row in batch:
                values = _staged_values(upload, row)
                copy.write_row((*values[:6], json.dumps(values[6], ensure_ascii=False), *values[7:]))
        return
    db.session.execute(
        insert(ContactImportRow),
        [dict(zip(_STAGED_COLUMNS, _staged_values(upload, row), strict=True)) for row in batch],
    )


def merge_staged(upload: ContactImport) -> None:
    """Merge the staged rows into the account's contacts, the target list and the opt-outs; flushes.

    Called once, in the transaction that commits the import: set-based statements, each limited to
    the import's own account explicitly (Core statements bypass the ORM's account filter).
    """
    params = {"account": upload.account_id, "import": upload.id, "now": utcnow(), "list": upload.list_id,
              "reason": OPT_OUT_REASON, "phone_column": _phone_column(upload),
              "consent_source": f"import of {upload.filename}"[:Contact.consent_source.type.length]}
    if db.session.connection().dialect.name == "postgresql":
        # Fresh statistics of the rows just staged, so the merge joins by hash, not row by row.
        db.session.execute(text("ANALYZE contact_import_row"))
    _mark_duplicates(params)
    counts = db.session.execute(text(
        "SELECT count(*) FILTER (WHERE r.problem IS NULL),"
        " count(c.id) FILTER (WHERE r.problem IS NULL),"
        " count(*) FILTER (WHERE r.is_duplicate),"
        " count(*) FILTER (WHERE r.problem IS NOT NULL AND NOT r.is_duplicate),"
        " count(*) FILTER (WHERE r.problem IS NULL AND r.opted_out),"
        " count(*) FILTER (WHERE r.problem IS NULL AND r.consent)"
        " FROM contact_import_row r LEFT JOIN contact c ON c.account_id = :account AND c.phone = r.phone"
        " WHERE r.import_id = :import AND r.account_id = :account"
    ), params).one()
    valid, known, upload.duplicates, upload.invalid, upload.opted_out, upload.consented = (
        int(n or 0) for n in counts)
    upload.imported, upload.updated = valid - known, known
    _upsert_contacts(params, with_list=upload.list_id is not None)
    if csv_import.CONSENT in upload.targets:
        _withdraw_consents(params)
    db.session.execute(text(
        "INSERT INTO opt_out (account_id, phone, opted_out_at, reason, source)"
        " SELECT :account, r.phone, :now, :reason, 'import' FROM contact_import_row r"
        " WHERE r.import_id = :import AND r.account_id = :account AND r.problem IS NULL AND r.opted_out"
        " ON CONFLICT (account_id, phone) DO NOTHING"
    ), params)
    _forget_file(upload, keep_problems=True)
    upload.status = ImportStatus.DONE.value
    upload.finished_at = params["now"]
    upload.bytes_read = upload.total_bytes
    db.session.flush()


def _withdraw_consents(params: dict) -> None:
    """A row that says "no" withdraws the consent its contact had, as unticking it on the contact does."""
    db.session.execute(text(
        "UPDATE contact SET consent_at = NULL, consent_source = NULL, updated_at = :now"
        " WHERE account_id = :account AND consent_at IS NOT NULL AND phone IN ("
        " SELECT r.phone FROM contact_import_row r"
        " WHERE r.import_id = :import AND r.account_id = :account AND r.problem IS NULL AND NOT r.consent)"
    ), params)


_UPSERT_CONTACTS = (
    "INSERT INTO contact (account_id, phone, first_name, last_name, fields, consent_at, consent_source,"
    " created_at, updated_at)"
    " SELECT :account, r.phone, r.first_name, r.last_name, r.fields,"
    " CASE WHEN r.consent THEN COALESCE(r.consent_at, :now) END,"
    " CASE WHEN r.consent THEN COALESCE(r.consent_source, :consent_source) END,"
    " :now, :now"
    " FROM contact_import_row r"
    " WHERE r.import_id = :import AND r.account_id = :account AND r.problem IS NULL"
    " ON CONFLICT (account_id, phone) DO UPDATE SET"
    # A name left empty in the file keeps the name the contact has.
    " first_name = CASE WHEN excluded.first_name <> '' THEN excluded.first_name ELSE contact.first_name END,"
    " last_name = CASE WHEN excluded.last_name <> '' THEN excluded.last_name ELSE contact.last_name END,"
    # Consent already recorded keeps its date and source; a row that gives it records it.
    " consent_source = CASE WHEN contact.consent_at IS NULL THEN excluded.consent_source"
    " ELSE contact.consent_source END,"
    " consent_at = COALESCE(contact.consent_at, excluded.consent_at),"
    " fields = {fields}, updated_at = excluded.updated_at"
)


def _upsert_contacts(params: dict, *, with_list: bool) -> None:
    """New numbers inserted, known ones updated; every one of them put on the list.

    PostgreSQL takes the ids from the upsert's RETURNING in the same statement; SQLite (no DML in
    a WITH) finds them again through the (account_id, phone) index.
    """
    postgresql = db.session.connection().dialect.name == "postgresql"
    upsert = _UPSERT_CONTACTS.format(fields=_merged_fields(postgresql))
    if postgresql and with_list:
        db.session.execute(text(
            f"WITH merged AS ({upsert} RETURNING id)"  # noqa: S608 (fixed SQL, no input)
            " INSERT INTO contact_list_member (list_id, contact_id, account_id, added_at)"
            " SELECT :list, merged.id, :account, :now FROM merged"
            " ON CONFLICT (list_id, contact_id) DO NOTHING"
        ), params)
        return
    db.session.execute(text(upsert), params)
    if with_list:
        db.session.execute(text(
            "INSERT INTO contact_list_member (list_id, contact_id, account_id, added_at)"
            " SELECT :list, c.id, :account, :now FROM contact_import_row r"
            " JOIN contact c ON c.account_id = :account AND c.phone = r.phone"
            " WHERE r.import_id = :import AND r.account_id = :account AND r.problem IS NULL"
            " ON CONFLICT (list_id, contact_id) DO NOTHING"
        ), params)


def _merged_fields(postgresql: bool) -> str:
    """Custom fields of a known contact: the file's values win, keys the file lacks stay."""
    if postgresql:
        return "(contact.fields::jsonb || excluded.fields::jsonb)::json"
    return "json_patch(contact.fields, excluded.fields)"


def _phone_column(upload: ContactImport) -> str:
    headers, _rows = preview(upload)
    index = upload.targets.index(csv_import.PHONE)
    return headers[index] if index < len(headers) else f"Column {index + 1}"


def _mark_duplicates(params: dict) -> None:
    """A number already in an earlier row of the file: the later rows are reported, not merged.

    One window over the staged rows (a hash of the numbers), never a comparison of each row with
    every other.
    """
    db.session.execute(text(
        "UPDATE contact_import_row SET is_duplicate = true, column_name = :phone_column, value = phone,"
        " problem = 'the same number as row ' || first_rows.first_row"
        " FROM (SELECT row_number, min(row_number) OVER (PARTITION BY phone) AS first_row"
        "   FROM contact_import_row WHERE import_id = :import AND account_id = :account"
        "   AND problem IS NULL) AS first_rows"
        " WHERE contact_import_row.import_id = :import AND contact_import_row.account_id = :account"
        " AND contact_import_row.row_number = first_rows.row_number"
        " AND first_rows.row_number > first_rows.first_row"
    ), params)


def cancellable(upload: ContactImport) -> bool:
    """Not yet merged, and not already asked to stop."""
    return upload.status in (ImportStatus.UPLOADED, ImportStatus.QUEUED, ImportStatus.RUNNING)


def cancel(upload: ContactImport) -> None:
    """Stop an import before anything of it is kept: one not started is discarded now, a queued or
    running one is asked to stop (its job stops at its next chunk). Flushes, the caller commits."""
    if upload.status == ImportStatus.UPLOADED:
        discard(upload, ImportStatus.CANCELLED)
    elif cancellable(upload):
        upload.status = ImportStatus.CANCELLING.value
        db.session.flush()


def discard(upload: ContactImport, status: ImportStatus, error: str | None = None) -> None:
    """Drop everything an unfinished import staged (and its file); flushes, the caller commits."""
    _forget_file(upload, keep_problems=False)
    upload.status = status.value
    upload.error = error
    upload.finished_at = utcnow()
    db.session.flush()


def _forget_file(upload: ContactImport, *, keep_problems: bool) -> None:
    scope = (ContactImportRow.account_id == upload.account_id, ContactImportRow.import_id == upload.id)
    rows = delete(ContactImportRow).where(*scope)
    if keep_problems:
        rows = rows.where(ContactImportRow.problem.is_(None))
    db.session.execute(rows)
    db.session.execute(delete(ContactImportChunk).where(
        ContactImportChunk.account_id == upload.account_id, ContactImportChunk.import_id == upload.id
    ))


def problem_rows(upload: ContactImport) -> Iterator[ContactImportRow]:
    """The rows that were not merged, in file order, streamed from a server-side cursor."""
    query = (
        select(ContactImportRow)
        .where(ContactImportRow.account_id == upload.account_id, ContactImportRow.import_id == upload.id,
               ContactImportRow.problem.is_not(None))
        .order_by(ContactImportRow.row_number)
        .execution_options(yield_per=1000)
    )
    yield from db.session.scalars(query)


def problem_count(upload: ContactImport) -> int:
    return db.session.scalar(
        select(func.count()).select_from(ContactImportRow).where(
            ContactImportRow.account_id == upload.account_id, ContactImportRow.import_id == upload.id,
            ContactImportRow.problem.is_not(None))
    ) or 0


def list_imports(account_id: int, before: int | None = None, limit: int = PAGE_SIZE) -> Page:
    """A page of the account's imports, newest first, each with the e-mail of who uploaded it (None
    once that user is removed); keyset pages below `before` (no OFFSET)."""
    statement = (
        select(ContactImport, User.email)
        .outerjoin(User, User.id == ContactImport.created_by_id)
        .where(ContactImport.account_id == account_id)
        .order_by(ContactImport.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        statement = statement.where(ContactImport.id < before)
    return Page.of(db.session.execute(statement).all(), limit)
