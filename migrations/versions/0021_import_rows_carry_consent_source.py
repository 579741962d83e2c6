"""An import's rows carry where their consent was given, when the file says.

Revision ID: 0021
Revises: 0020
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_import_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent_source', sa.String(length=100), nullable=True))


def downgrade():
    with op.batch_alter_table('contact_import_row', schema=None) as batch_op:
        batch_op.drop_column('consent_source')
