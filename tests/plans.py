"""How many rows of a table the statements of a piece of code read, by PostgreSQL's own count.

`rows_read(app, "message", work)` runs `work()` while recording its SELECT statements, then runs
each again under EXPLAIN ANALYZE and adds up, over the plan nodes that scan the table, the rows they
returned and the rows they read and dropped. A test can then say "reads only what it shows" without
timing anything: a query that falls back to reading the whole table reads every row of it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, text

from portal.extensions import db

_READ = ("Rows Removed by Filter", "Rows Removed by Index Recheck", "Rows Removed by Join Filter")


def rows_read(app, table: str, work: Callable[[], object]) -> int:
    statements: list[tuple[str, object]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and not executemany:
            statements.append((statement, parameters))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    total = 0
    with engine.connect() as connection:
        for statement, parameters in statements:
            if table not in statement:
                continue
            result = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}", parameters)
            plan = result.scalar_one()
            plan = json.loads(plan) if isinstance(plan, str) else plan
            scans = (node for node in _nodes(plan[0]["Plan"]) if node.get("Relation Name") == table)
            total += sum(_read(node) for node in scans)
        connection.rollback()
    return total


def _nodes(node: dict) -> Iterator[dict]:
    yield node
    for child in node.get("Plans", ()):
        yield from _nodes(child)


def _read(node: dict) -> int:
    loops = node.get("Actual Loops", 1)
    return round((node.get("Actual Rows", 0) + sum(node.get(key, 0) for key in _READ)) * loops)


def is_postgresql(app) -> bool:
    with app.app_context():
        return db.engine.dialect.name == "postgresql"


def skip_unless_postgresql(app) -> None:
    if not is_postgresql(app):
        pytest.skip("the plan is PostgreSQL's")


def analyze(app) -> None:
    """Fresh statistics, as autovacuum would have them for tables of this size."""
    with app.app_context():
        db.session.execute(text("ANALYZE"))
        db.session.commit()
