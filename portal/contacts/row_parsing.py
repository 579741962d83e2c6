"""An import file's rows parsed in batches, in file order, on every core when the file is large.

Reading a phone number properly (`phonenumbers`) costs tens of microseconds a row, most of an
import's time; the database work after it does not need the same core. A large file's batches are
therefore parsed by a few forked processes while this one reads the file and stages what comes back.
At most two batches per process are in flight, so memory stays bounded whatever the file's size;
results come back in file order. A small file, a process with other threads (forking those is not
safe), or a platform without fork parse in this process: the same function, the same rows.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from portal.contacts.csv_import import ParsedRow, RowReader, parse_row


def parse_rows(rows: list[tuple[int, list[str]]], headers: list[str], targets: list[str],
               country: str, zone: str) -> list[ParsedRow]:
    """One batch of (row number, cells) through the column mapping."""
    return [parse_row(number, cells, headers, targets, country, zone) for number, cells in rows]


def parsed_batches(reader: RowReader, targets: list[str], country: str, zone: str, batch_rows: int,
                   processes: int) -> Iterator[tuple[list[ParsedRow], int]]:
    """(parsed rows, bytes of the file read so far) for each batch of `batch_rows`, in file order."""
    raw = _raw_batches(reader, batch_rows)
    if processes <= 1 or not can_fork():
        for rows, bytes_read in raw:
            yield parse_rows(rows, reader.headers, targets, country, zone), bytes_read
        return
    pool = ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("fork"))
    pending: deque[tuple[Future, int]] = deque()
    try:
        for rows, bytes_read in raw:
            future = pool.submit(parse_rows, rows, reader.headers, targets, country, zone)
            pending.append((future, bytes_read))
            if len(pending) >= 2 * processes:
                future, read = pending.popleft()
                yield future.result(), read
        while pending:
            future, read = pending.popleft()
            yield future.result(), read
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def can_fork() -> bool:
    """Whether parsing processes may be forked from this one: fork exists and no other thread runs."""
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() == 1


def _raw_batches(reader: RowReader, batch_rows: int) -> Iterator[tuple[list[tuple[int, list[str]]], int]]:
    batch: list[tuple[int, list[str]]] = []
    for row in reader:
        batch.append(row)
        if len(batch) == batch_rows:
            yield batch, reader.bytes_read
            batch = []
    yield batch, reader.bytes_read
