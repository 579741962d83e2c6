"""The campaign list is read a page at a time, in the order of each campaign's last change, through
an index of that order within the account.

Revision ID: 0015
Revises: 0014
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_account_id_updated_at_id'),
                              ['account_id', 'updated_at', 'id'], unique=False)


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_account_id_updated_at_id'))
