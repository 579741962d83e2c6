"""SMS settings, sender names with their history, campaign drafts.

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sender_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=11), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_sender_name_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sender_name')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_sender_name_account_id'))
    )
    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sender_name_account_id'), ['account_id'], unique=False)
        # At most one default sender per account.
        batch_op.create_index('uq_sender_name_default_per_account', ['account_id'], unique=True, sqlite_where=sa.text('is_default'), postgresql_where=sa.text('is_default'))

    op.create_table('sms_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('service', sa.String(length=8), nullable=False),
    sa.Column('token_ciphertext', sa.Text(), nullable=True),
    sa.Column('token_last4', sa.String(length=4), nullable=True),
    sa.Column('smsapi_username', sa.String(length=120), nullable=True),
    sa.Column('points_balance', sa.Numeric(precision=14, scale=4), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('test_mode', sa.Boolean(), nullable=False),
    sa.Column('callback_secret', sa.String(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_sms_settings_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sms_settings')),
    sa.UniqueConstraint('account_id', name=op.f('uq_sms_settings_account_id'))
    )
    with op.batch_alter_table('sms_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_settings_account_id'), ['account_id'], unique=False)

    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('sender_name_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_campaign_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_campaign_created_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sender_name_id'], ['sender_name.id'], name=op.f('fk_campaign_sender_name_id_sender_name'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_account_id'), ['account_id'], unique=False)

    op.create_table('sender_name_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sender_name_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_sender_name_event_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sender_name_id'], ['sender_name.id'], name=op.f('fk_sender_name_event_sender_name_id_sender_name'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_sender_name_event_user_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sender_name_event'))
    )
    with op.batch_alter_table('sender_name_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sender_name_event_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sender_name_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sender_name_event_sender_name_id'), ['sender_name_id'], unique=False)

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices_seen_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('notices_seen_at')

    with op.batch_alter_table('sender_name_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sender_name_event_sender_name_id'))
        batch_op.drop_index(batch_op.f('ix_sender_name_event_created_at'))
        batch_op.drop_index(batch_op.f('ix_sender_name_event_account_id'))

    op.drop_table('sender_name_event')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_account_id'))

    op.drop_table('campaign')
    with op.batch_alter_table('sms_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_settings_account_id'))

    op.drop_table('sms_settings')
    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.drop_index('uq_sender_name_default_per_account')
        batch_op.drop_index(batch_op.f('ix_sender_name_account_id'))

    op.drop_table('sender_name')
