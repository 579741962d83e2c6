"""The index of a campaign's messages by status also holds their ids, in order.

A send job claims a campaign's queued messages in the order of their ids. With the index over
(campaign, status) alone, those came out in no order: PostgreSQL had either to sort every queued
message of the campaign for each chunk, or to walk the primary key from the table's first message,
past every message of earlier campaigns and every one already sent, which is what it chose once
the table held a finished campaign (140,000 rows read to claim 2,000). Over (campaign, status, id)
a chunk is the next entries of the index.

Revision ID: 0018
Revises: 0017
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_campaign_id_status_id'), ['campaign_id', 'status', 'id'],
                              unique=False)
        batch_op.drop_index(batch_op.f('ix_message_campaign_id_status'))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_campaign_id_status'), ['campaign_id', 'status'], unique=False)
        batch_op.drop_index(batch_op.f('ix_message_campaign_id_status_id'))
