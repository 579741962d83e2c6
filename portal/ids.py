"""Ids from URLs and forms stay within what the id columns hold.

A number past a column's range makes the database fail (OverflowError in SQLite's driver, a
DataError on PostgreSQL), which would be a 500. URL rules reject such ids before the view runs (a
404, as for any id that does not exist), forms check them with `in_id_range`, a page cursor in the
query string is read by `id_arg` (404 when it cannot be an id) and a list of ticked ids by `ids_from`
(values that cannot be ids name no row, so they are left out).
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

#: INTEGER ids (32-bit on PostgreSQL); tables of many rows use `BigId` and `<bigid:...>` rules.
MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """`<int:...>` for ids: 1 to MAX_ID; anything else does not match, so the URL is a 404."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("min", 1)
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


class BigIdConverter(IdConverter):
    """`<bigid:...>` for the ids of `BigId` tables (contacts, messages)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - werkzeug's name
        kwargs.setdefault("max", MAX_BIG_ID)
        super().__init__(map, *args, **kwargs)


def in_id_range(value: int, *, big: bool = False) -> bool:
    return 1 <= value <= (MAX_BIG_ID if big else MAX_ID)


def id_arg(name: str, *, big: bool = False) -> int | None:
    """The id in query parameter `name` (a page cursor): None when absent, 404 when it is not an id."""
    value = request.args.get(name, "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or not in_id_range(int(value), big=big):
        abort(404)
    return int(value)


def ids_from(values: Iterable[str], *, big: bool = False) -> list[int]:
    """The ids among submitted values (ticked checkboxes); anything else cannot name a row."""
    return [
        int(value) for value in values
        if value.isascii() and value.isdigit() and in_id_range(int(value), big=big)
    ]


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["bigid"] = BigIdConverter
