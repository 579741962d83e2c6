"""How many rows of a table the statements of a piece of code read, by PostgreSQL's own count.

`rows_read(app, "message", work)` runs `work()` while recording its SELECT statements, then runs
each again under EXPLAIN ANALYZE and adds up, over the plan nodes that scan the table, the rows they
returned and the rows they read and dropped. A test can then say "reads only what it shows" without
timing anything: a query that falls back to reading the whole table reads every row of it.

`plan_with_nested_loops(prefix, work)` gives the plan of a statement as `work` runs it, for one that
changes rows (and so cannot be run twice), with the planner held to nested loops: which rows it
reads first then decides whether a join costs a lookup per row or a comparison of every pair.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import event, text

from portal.extensions import db

_READ = ("Rows Removed by Filter", "Rows Removed by Index Recheck")


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


def plan_with_nested_loops(prefix: str, work: Callable[[], object]) -> str:
    """The plan PostgreSQL makes for the first statement `work` runs that starts with `prefix`, as it
    would run it: with nested loops only (what the planner chose on a worker, sure from statistics
    taken before that few rows qualify). Which rows it then reads first is the question."""
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().startswith(prefix) and not plans:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}", parameters)
            plans.append(json.dumps(cursor.fetchone()[0]))

    db.session.execute(text("SET LOCAL enable_hashjoin = off"))
    db.session.execute(text("SET LOCAL enable_mergejoin = off"))
    event.listen(db.engine, "before_cursor_execute", explain)
    try:
        work()
    finally:
        event.remove(db.engine, "before_cursor_execute", explain)
    assert plans, prefix
    return plans[0]
