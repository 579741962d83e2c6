"""The schema comes only from migrations: they build it from empty, and agree with the models."""

import os
import uuid
from dataclasses import dataclass

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import UniqueConstraint, create_engine, inspect, text

from portal import create_app
from portal.config import database_uri
from portal.extensions import db
from portal.models import BigId
from tests.conftest import _with_search_path


@pytest.fixture
def empty_database(tmp_path):
    """An empty database on the backend under test: a new SQLite file, or a new PostgreSQL schema."""
    server_url = os.environ.get("TEST_DATABASE_URL")
    if not server_url:
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    schema = f"pytest_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(database_uri(server_url, tmp_path))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield _with_search_path(database_uri(server_url, tmp_path), schema)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def migration_app(empty_database, redis_url, tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": empty_database, "INSTANCE_PATH": str(tmp_path), "REDIS_URL": redis_url}
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_upgrade_from_empty_creates_every_table(migration_app):
    with migration_app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
    assert {table.name for table in db.metadata.sorted_tables} <= tables


# SQLite cannot reflect expression indexes: the PostgreSQL-only phone search index is not compared there.
@pytest.mark.filterwarnings("ignore:autogenerate skipping metadata-specified expression-based index")
def test_models_and_migrations_agree(migration_app):
    with migration_app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_every_migration_downgrades_to_empty(migration_app):
    with migration_app.app_context():
        upgrade()
        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()


#: Tables that grow to millions of rows, and their columns that hold such ids.
BIG_ID_COLUMNS = {"message": ["id", "contact_id"], "contact": ["id"], "opt_out": ["id"],
                  "contact_list_member": ["contact_id"], "delivery_report": ["id", "message_id"]}


def test_constraint_and_index_names_name_every_column():
    for table in db.metadata.sorted_tables:
        named = [*table.indexes, *(c for c in table.constraints if isinstance(c, UniqueConstraint))]
        for item in named:
            for column in item.columns:
                assert column.name in item.name, f"{item.name} does not name {column.name}"
        for key in table.foreign_keys:
            assert key.parent.name in key.constraint.name and key.column.table.name in key.constraint.name


def test_migrated_database_has_the_models_constraint_and_index_names(migration_app):
    with migration_app.app_context():
        upgrade()
        inspector = inspect(db.engine)
        for table in db.metadata.sorted_tables:
            expected_unique = {c.name for c in table.constraints if isinstance(c, UniqueConstraint)}
            found_unique = {c["name"] for c in inspector.get_unique_constraints(table.name)}
            assert expected_unique <= found_unique, table.name
            found_indexes = {i["name"] for i in inspector.get_indexes(table.name)}
            expected_indexes = {i.name for i in table.indexes if _made_on(i, db.engine.dialect.name)}
            assert expected_indexes <= found_indexes, table.name


def _made_on(index, dialect: str) -> bool:
    """Whether `index` exists on `dialect` (an index can be for one database only: `ddl_if`)."""
    condition = index._ddl_if
    return condition is None or condition.dialect is None or dialect in (
        [condition.dialect] if isinstance(condition.dialect, str) else condition.dialect)


def test_big_tables_have_64_bit_ids_on_postgresql_and_rowid_keys_on_sqlite(migration_app):
    with migration_app.app_context():
        upgrade()
        inspector = inspect(db.engine)
        expected = "BIGINT" if db.engine.dialect.name == "postgresql" else "INTEGER"
        for table, columns in BIG_ID_COLUMNS.items():
            types = {column["name"]: column["type"] for column in inspector.get_columns(table)}
            for name in columns:
                assert types[name].compile(db.engine.dialect) == expected, f"{table}.{name}"


def test_the_big_id_columns_are_every_64_bit_id_of_the_models():
    declared = {
        table.name: sorted(column.name for column in table.columns if column.type is BigId)
        for table in db.metadata.sorted_tables
    }
    assert {table: sorted(columns) for table, columns in BIG_ID_COLUMNS.items()} == {
        table: columns for table, columns in declared.items() if columns}


@dataclass(frozen=True)
class _Key:
    """An index, unique constraint or primary key as the database has it."""

    name: str
    columns: tuple
    unique: bool
    where: str | None = None
    method: str = "btree"
    is_index: bool = False


def _keys(inspector, table: str) -> list[_Key]:
    primary = inspector.get_pk_constraint(table)
    keys = [_Key(primary["name"] or f"{table} primary key", tuple(primary["constrained_columns"]), True)]
    keys += [_Key(unique["name"] or f"unique ({', '.join(unique['column_names'])})",
                  tuple(unique["column_names"]), True)
             for unique in inspector.get_unique_constraints(table)]
    for index in inspector.get_indexes(table):
        if index.get("duplicates_constraint"):
            continue  # PostgreSQL's index behind a unique constraint, already in the list
        options = index.get("dialect_options", {})
        where = options.get("postgresql_where", options.get("sqlite_where"))
        expressions = index.get("expressions") or [None] * len(index["column_names"])
        sorting = index.get("column_sorting", {})
        operators = options.get("postgresql_ops", {})
        columns = tuple(
            (column or expression, *sorting.get(column, ()), operators.get(column))
            for column, expression in zip(index["column_names"], expressions, strict=True)
        )
        keys.append(_Key(index["name"], columns, bool(index["unique"]),
                         None if where is None else str(where), options.get("postgresql_using", "btree"),
                         is_index=True))
    return keys


def _plain(key: _Key) -> tuple:
    """The columns of a key with nothing said about their order or operators (as a constraint has)."""
    return tuple((column, None) if isinstance(column, str) else column for column in key.columns)


def redundant_indexes(inspector) -> list[str]:
    """Indexes whose columns are a left prefix of another index, unique constraint or primary key of
    the same table, with the same WHERE and method: that one serves every query this one does. A
    unique index is redundant only beside a unique key of exactly its columns (it enforces a rule)."""
    found = []
    for table in sorted(inspector.get_table_names()):
        keys = _keys(inspector, table)
        for index in (key for key in keys if key.is_index):
            mine = _plain(index)
            for other in keys:
                theirs = _plain(other)
                if other is index or (other.where, other.method) != (index.where, index.method):
                    continue
                if theirs[:len(mine)] != mine or (index.unique and (not other.unique or theirs != mine)):
                    continue
                found.append(f"{table}.{index.name} (served by {other.name})")
                break
    return found


def test_the_check_finds_an_index_another_one_serves(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'indexes.db'}")
    with engine.begin() as connection:
        for statement in (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b INTEGER, c INTEGER, UNIQUE (a, b))",
            "CREATE INDEX ix_a ON t (a)",  # served by the unique (a, b)
            "CREATE INDEX ix_id ON t (id)",  # served by the primary key
            "CREATE INDEX ix_b_c ON t (b, c)",
            "CREATE INDEX ix_b ON t (b) WHERE c IS NOT NULL",  # partial: not served by (b, c)
            "CREATE UNIQUE INDEX uq_c ON t (c)",  # a rule of its own
            "CREATE INDEX ix_c_a ON t (c, a)",
        ):
            connection.execute(text(statement))
    assert redundant_indexes(inspect(engine)) == ["t.ix_a (served by unique (a, b))",
                                                  "t.ix_id (served by t primary key)"]
    engine.dispose()


def test_no_index_is_served_by_another_key_of_its_table(migration_app):
    with migration_app.app_context():
        upgrade()
        assert redundant_indexes(inspect(db.engine)) == []


def test_delivery_reports_are_indexed_by_account_only_while_unmatched(migration_app):
    # The callback stores thousands of reports a second, nearly all matched: an index by account
    # over every report would cost each of them an entry no query reads.
    with migration_app.app_context():
        upgrade()
        by_account = [key for key in _keys(inspect(db.engine), "delivery_report")
                      if key.is_index and _plain(key)[0][0] == "account_id"]
    assert len(by_account) == 2
    for key in by_account:
        assert "message_id is null" in (key.where or "").lower().replace("(", "").replace(")", ""), key


#: One row of each table a later migration builds anew on SQLite, and of the tables that refer to them.
_ROWS_AT_0009 = (
    "account (id, name, created_at, updated_at) VALUES (1, 'A', :now, :now)",
    "contact (id, account_id, phone, first_name, last_name, fields, created_at, updated_at)"
    " VALUES (1, 1, '+48600100200', 'Ann', '', '{}', :now, :now)",
    "contact_list (id, account_id, name, created_at, updated_at) VALUES (1, 1, 'L', :now, :now)",
    "contact_list_member (list_id, contact_id, account_id, added_at) VALUES (1, 1, 1, :now)",
    "campaign (id, account_id, name, message, status, idx_key, created_at, updated_at)"
    " VALUES (1, 1, 'C', 'Hi', 'sending', 'k1', :now, :now)",
    "message (id, account_id, campaign_id, contact_id, phone, is_test_send, status, status_rank, attempts,"
    " created_at) VALUES (1, 1, 1, 1, '+48600100200', false, 'submitted', 5, 1, :now)",
    "delivery_report (id, account_id, message_id, received_at, msg_id, status_code, params, simulated,"
    " batch_size) VALUES (1, 1, 1, :now, 'X1', 404, '{}', false, 1)",
)


def _upgraded_from_0009_with_a_row_in_each_table() -> None:
    """In the migration app's context: the schema at 0009, one row in each table, then at head."""
    upgrade(revision="0009")
    for row in _ROWS_AT_0009:
        db.session.execute(text(f"INSERT INTO {row}"), {"now": "2026-01-01 00:00:00"})
    db.session.commit()
    upgrade()


def test_an_upgrade_keeps_the_rows_of_tables_built_anew(migration_app):
    """SQLite changes constraints by building a table anew (0010 rebuilds the campaign and message
    tables, 0012 the list entries): no row of those tables, or of the tables that refer to them, is
    lost or cut loose on the way."""
    with migration_app.app_context():
        _upgraded_from_0009_with_a_row_in_each_table()
        counts = {table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()  # noqa: S608
                  for table in ("campaign", "message", "contact_list_member")}
        report = db.session.execute(text("SELECT message_id FROM delivery_report WHERE id = 1")).scalar()
        db.session.commit()
        enforced = 1
        if db.engine.dialect.name == "sqlite":  # a connection of the pool enforces foreign keys again
            with db.engine.connect() as connection:
                enforced = connection.exec_driver_sql("PRAGMA foreign_keys").scalar()
    assert counts == {"campaign": 1, "message": 1, "contact_list_member": 1}
    assert report == 1
    assert enforced == 1


def test_a_downgrade_below_0017_clears_the_ids_of_contacts_deleted_since(migration_app):
    """From 0017 a message keeps its contact's id with no foreign key; the key can only come back
    once the ids of deleted contacts are cleared, as its ON DELETE SET NULL would have."""
    with migration_app.app_context():
        _upgraded_from_0009_with_a_row_in_each_table()
        db.session.execute(text("DELETE FROM contact WHERE id = 1"))
        db.session.commit()
        kept = db.session.execute(text("SELECT contact_id FROM message WHERE id = 1")).scalar()
        db.session.commit()
        downgrade(revision="0016")
        cleared = db.session.execute(text("SELECT contact_id FROM message WHERE id = 1")).scalar()
        keys = [key["referred_table"] for key in inspect(db.engine).get_foreign_keys("message")]
        db.session.commit()
    assert kept == 1
    assert cleared is None
    assert "contact" in keys
