"""A column matched against a long list of ids in a hot path, e.g. the contacts of a claimed chunk.

SQLAlchemy renders `column.in_(ids)` with one bound placeholder per id, compiled again for every new
length: for a thousand ids that compiling costs more than the query. On PostgreSQL the list travels
as one array parameter (`= ANY(:ids)`), written as the text of a bigint array and cast by the
server (the driver's list adapter looks at every element in Python: ten times slower for a
thousand); elsewhere it stays an IN list.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import BigInteger, ColumnElement, Text, any_, bindparam, cast
from sqlalchemy.dialects.postgresql import ARRAY

from portal.extensions import db

#: One type object for every call: SQLAlchemy caches its PostgreSQL form on it, where a new ARRAY per
#: call would be adapted again (and the statement compiled again) each time.
_ID_ARRAY = ARRAY(BigInteger)


def in_ids(column, ids: Collection[int]) -> ColumnElement[bool]:
    """`column IN ids`, as one array parameter on PostgreSQL."""
    if db.engine.dialect.name == "postgresql":
        literal = "{" + ",".join(map(str, map(int, ids))) + "}"
        return column == any_(cast(bindparam(None, literal, type_=Text), _ID_ARRAY))
    return column.in_(list(ids))
