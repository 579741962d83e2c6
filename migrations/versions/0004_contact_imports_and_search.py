"""Contact imports (the file in chunks, staged rows, progress) and trigram search of contacts.

On PostgreSQL the search indexes use pg_trgm, created here when missing: in pg_catalog, so its
operator classes resolve whatever the search_path of a schema is. SQLite gets plain indexes.

Revision ID: 0004
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0009'
branch_labels = None
depends_on = None

SEARCHED = ('phone', 'first_name', 'last_name')


def upgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN "
            "CREATE EXTENSION pg_trgm SCHEMA pg_catalog; END IF; END $$"
        )
    op.create_table('contact_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('filename', sa.String(length=255), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('encoding', sa.String(length=16), nullable=False),
    sa.Column('delimiter', sa.String(length=1), nullable=False),
    sa.Column('targets', sa.JSON(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=True),
    sa.Column('total_bytes', sa.BigInteger(), nullable=False),
    sa.Column('bytes_read', sa.BigInteger(), nullable=False),
    sa.Column('rows_read', sa.Integer(), nullable=False),
    sa.Column('imported', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('duplicates', sa.Integer(), nullable=False),
    sa.Column('invalid', sa.Integer(), nullable=False),
    sa.Column('opted_out', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_import_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_contact_import_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['list_id'], ['contact_list.id'], name=op.f('fk_contact_import_list_id_contact_list'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_import'))
    )
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_import_account_id_id'), ['account_id', 'id'], unique=False)

    op.create_table('contact_import_chunk',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_import_chunk_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['contact_import.id'], name=op.f('fk_contact_import_chunk_import_id_contact_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'seq', name=op.f('pk_contact_import_chunk'))
    )
    op.create_table('contact_import_row',
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('row_number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=True),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('opted_out', sa.Boolean(), nullable=False),
    sa.Column('column_name', sa.String(length=255), nullable=True),
    sa.Column('value', sa.Text(), nullable=True),
    sa.Column('problem', sa.String(length=255), nullable=True),
    sa.Column('is_duplicate', sa.Boolean(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_import_row_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['import_id'], ['contact_import.id'], name=op.f('fk_contact_import_row_import_id_contact_import'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('import_id', 'row_number', name=op.f('pk_contact_import_row'))
    )
    with op.batch_alter_table('contact_import_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_import_row_import_id_phone'), ['import_id', 'phone'], unique=False)

    with op.batch_alter_table('contact', schema=None) as batch_op:
        for column in SEARCHED:
            batch_op.create_index(f'ix_contact_{column}_trgm', [column], unique=False,
                                  postgresql_using='gin', postgresql_ops={column: 'gin_trgm_ops'})


def downgrade():
    # pg_trgm stays: other schemas of the database may use it.
    with op.batch_alter_table('contact', schema=None) as batch_op:
        for column in SEARCHED:
            batch_op.drop_index(f'ix_contact_{column}_trgm')

    with op.batch_alter_table('contact_import_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_import_row_import_id_phone'))

    op.drop_table('contact_import_row')
    op.drop_table('contact_import_chunk')
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_import_account_id_id'))

    op.drop_table('contact_import')
