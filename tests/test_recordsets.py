"""Rows as one JSON document: what the bulk statements of the send job and the callback read back."""

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import text

from portal.extensions import db
from portal.recordsets import json_document

ROWS = [
    {
        "id": 9_007_199_254_740_993,  # past a double's exact integers
        "text": "Zażółć gęślą jaźń 🙂 \"quoted\" \\ back, new\nline",
        "points": Decimal("0.1650"),
        "at": datetime(2026, 12, 7, 8, 30, 15, 123456, tzinfo=UTC),
        "params": {"MsgId": "ABC", "status": "403"},
        "ok": True,
        "none": None,
    },
    {
        "id": 1,
        "text": "",
        "points": Decimal("12345678.0001"),
        "at": datetime(2026, 12, 7, 9, 0, tzinfo=timezone(timedelta(hours=1))),
        "params": {},
        "ok": False,
        "none": None,
    },
]


def test_every_value_is_exact_in_the_text():
    decoded = json.loads(json_document(ROWS))
    assert [row["id"] for row in decoded] == [9_007_199_254_740_993, 1]
    assert decoded[0]["text"] == ROWS[0]["text"]
    assert [row["points"] for row in decoded] == ["0.1650", "12345678.0001"]  # text: no float rounding
    assert [datetime.fromisoformat(row["at"]) for row in decoded] == [row["at"] for row in ROWS]
    assert decoded[0]["params"] == {"MsgId": "ABC", "status": "403"}
    assert [row["ok"] for row in decoded] == [True, False]
    assert decoded[0]["none"] is None


def test_rows_from_a_generator_and_no_rows():
    assert json.loads(json_document(row for row in ROWS)) == json.loads(json_document(ROWS))
    assert json_document([]) == "[]"


def test_a_value_it_cannot_carry_is_named():
    with pytest.raises(TypeError, match="set"):
        json_document([{"tags": {"a"}}])


def test_postgresql_reads_the_rows_back_exactly(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("json_to_recordset is PostgreSQL's")
        read = _read_back()
    assert [row.id for row in read] == [row["id"] for row in ROWS]
    assert [row.text for row in read] == [row["text"] for row in ROWS]
    assert [row.points for row in read] == [row["points"] for row in ROWS]
    assert [row.at for row in read] == [row["at"] for row in ROWS]
    assert read[0].params == {"MsgId": "ABC", "status": "403"}
    assert [row.ok for row in read] == [True, False]
    assert [row.none for row in read] == [None, None]


def _read_back():
    return db.session.execute(
        text(
            "SELECT * FROM json_to_recordset(CAST(:rows AS json)) AS r("
            "id bigint, text text, points numeric, at timestamptz, params json, ok boolean, none text)"
        ),
        {"rows": json_document(ROWS)},
    ).all()
