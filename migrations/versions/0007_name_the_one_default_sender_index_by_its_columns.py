"""Name the one-default-sender-per-account index after its columns, like every other constraint.

Revision ID: 0007
Revises: 0003
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    _rename('uq_sender_name_default_per_account', 'uq_sender_name_account_id_is_default')


def downgrade():
    _rename('uq_sender_name_account_id_is_default', 'uq_sender_name_default_per_account')


def _rename(old, new):
    # Dropped and created again rather than renamed: SQLite has no ALTER INDEX ... RENAME.
    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.drop_index(old)
        batch_op.create_index(new, ['account_id'], unique=True, sqlite_where=sa.text('is_default'),
                              postgresql_where=sa.text('is_default'))
