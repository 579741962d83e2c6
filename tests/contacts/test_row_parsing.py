"""Parsing an import's rows in batches: the same rows in file order, in this process or in several."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from portal.contacts.csv_import import RowReader
from portal.contacts.row_parsing import parsed_batches

ROOT = Path(__file__).resolve().parents[2]
TARGETS = ["phone", "first_name"]


def _file(rows: int) -> bytes:
    lines = ["phone,name"] + [f"{600100000 + n if n % 7 else 'not a number'},Name{n}" for n in range(rows)]
    return "\n".join(lines).encode()


def _summary(batches) -> list:
    return [[(row.row_number, row.phone, row.first_name, row.problem and row.problem.problem)
             for row in batch] for batch, _read in batches]


def test_batches_come_in_file_order_with_the_bytes_read_so_far():
    data = _file(25)
    batches = list(parsed_batches(RowReader([data], "utf-8", ","), TARGETS, "PL", "UTC", 10, processes=1))
    assert [len(batch) for batch, _read in batches] == [10, 10, 5]
    assert [row.row_number for batch, _read in batches for row in batch] == list(range(2, 27))
    assert batches[-1][1] == len(data)
    first = batches[0][0]
    assert first[0].problem.problem == "not a phone number" and first[1].phone == "+48600100001"


def test_parsing_processes_give_exactly_what_one_process_gives():
    # A fresh interpreter: forking is only done from a process that runs no other thread.
    script = textwrap.dedent(f"""
        import json, sys
        sys.path.insert(0, {str(ROOT)!r})
        from tests.contacts.test_row_parsing import _file, _summary, TARGETS
        from portal.contacts.csv_import import RowReader
        from portal.contacts.row_parsing import can_fork, parsed_batches
        data = _file(2000)
        one = _summary(parsed_batches(RowReader([data], "utf-8", ","), TARGETS, "PL", "UTC", 150,
                                      processes=1))
        many = _summary(parsed_batches(RowReader([data], "utf-8", ","), TARGETS, "PL", "UTC", 150,
                                       processes=3))
        print(json.dumps({{"forked": can_fork(), "same": one == many, "rows": sum(map(len, many))}}))
    """)
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                            cwd=ROOT)
    assert json.loads(result.stdout.splitlines()[-1]) == {"forked": True, "same": True, "rows": 2000}
