"""The schema comes only from migrations: they build it from empty, and agree with the models."""

import os
import uuid

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
