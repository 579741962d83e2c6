"""Delivery reports (raw, append-only), the previous callback secret with its expiry, the username check.

Revision ID: 0006
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('delivery_report',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('message_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('msg_id', sa.String(length=64), nullable=False),
    sa.Column('idx', sa.String(length=64), nullable=True),
    sa.Column('status_code', sa.Integer(), nullable=False),
    sa.Column('status_name', sa.String(length=32), nullable=True),
    sa.Column('points', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('mcc', sa.Integer(), nullable=True),
    sa.Column('mnc', sa.Integer(), nullable=True),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('simulated', sa.Boolean(), nullable=False),
    sa.Column('batch_size', sa.SmallInteger(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_delivery_report_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_delivery_report_message_id_message'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delivery_report'))
    )
    with op.batch_alter_table('delivery_report', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delivery_report_account_id_message_id_received_at'), ['account_id', 'message_id', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_report_account_id_msg_id'), ['account_id', 'msg_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delivery_report_message_id_id'), ['message_id', 'id'], unique=False)

    with op.batch_alter_table('sms_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('previous_callback_secret', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('previous_callback_secret_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('check_callback_username', sa.Boolean(), nullable=False, server_default=sa.false()))

    # The report page's chart and the dashboard read finals by time.
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_campaign_id_delivered_at'), ['campaign_id', 'delivered_at'], unique=False)


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_campaign_id_delivered_at'))

    with op.batch_alter_table('sms_settings', schema=None) as batch_op:
        batch_op.drop_column('check_callback_username')
        batch_op.drop_column('previous_callback_secret_until')
        batch_op.drop_column('previous_callback_secret')

    with op.batch_alter_table('delivery_report', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delivery_report_message_id_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_report_account_id_msg_id'))
        batch_op.drop_index(batch_op.f('ix_delivery_report_account_id_message_id_received_at'))

    op.drop_table('delivery_report')
