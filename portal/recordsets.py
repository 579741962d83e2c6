"""Rows sent to PostgreSQL as one JSON document, read back with `json_to_recordset`.

A bulk statement then has one shape and one parameter for 1 or 10,000 rows, is prepared once per
connection, and its rows are encoded by one `json.dumps` (psycopg escapes array parameters element
by element). Times go as ISO 8601 and decimals as text, both exact for the column types they are
cast to.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any


def json_document(rows: Iterable[Mapping[str, Any]]) -> str:
    """`rows` as the JSON text of an array of objects."""
    return json.dumps(list(rows), default=_value)


def _value(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} cannot go in a JSON document")
