"""Delivery reports are found by account only while unmatched: the two indexes for that hold only
the reports that name no known message.

A matched report (nearly every one) then writes two index entries instead of four, on the path that
stores SMSAPI's callbacks; retrying unmatched reports and listing orphans read the same rows as before.

Revision ID: 0013
Revises: 0012
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

UNMATCHED = 'message_id IS NULL'


def upgrade():
    with op.batch_alter_table('delivery_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_report_account_id_message_id_received_at'))
        batch_op.drop_index(batch_op.f('ix_delivery_report_account_id_msg_id'))
        batch_op.create_index(batch_op.f('ix_delivery_report_account_id_received_at'),
                              ['account_id', 'received_at'], unique=False,
                              postgresql_where=sa.text(UNMATCHED), sqlite_where=sa.text(UNMATCHED))
        batch_op.create_index(batch_op.f('ix_delivery_report_account_id_msg_id'), ['account_id', 'msg_id'],
                              unique=False, postgresql_where=sa.text(UNMATCHED), sqlite_where=sa.text(UNMATCHED))


def downgrade():
    with op.batch_alter_table('delivery_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_report_account_id_msg_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_report_account_id_received_at'))
        batch_op.create_index(batch_op.f('ix_delivery_report_account_id_msg_id'), ['account_id', 'msg_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_report_account_id_message_id_received_at'),
                              ['account_id', 'message_id', 'received_at'], unique=False)
