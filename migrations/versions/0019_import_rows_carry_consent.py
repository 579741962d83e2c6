"""An import's rows carry what their consent column says, and the import counts the consents.

Revision ID: 0019
Revises: 0018
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact_import_row', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consent', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consented', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('contact_import', schema=None) as batch_op:
        batch_op.drop_column('consented')
    with op.batch_alter_table('contact_import_row', schema=None) as batch_op:
        batch_op.drop_column('consent_at')
        batch_op.drop_column('consent')
