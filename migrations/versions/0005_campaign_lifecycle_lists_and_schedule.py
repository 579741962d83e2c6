"""Campaign lifecycle: schedule and lifecycle timestamps, the reason of a self-pause, chosen lists,
and an index of the messages being sent for the leases that run out.

Revision ID: 0005
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('scheduled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('launched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('paused_reason', sa.String(length=500), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaign_status_scheduled_at'), ['status', 'scheduled_at'], unique=False)

    op.create_table('campaign_list',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_campaign_list_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_list_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['contact_list.id'], name=op.f('fk_campaign_list_list_id_contact_list'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('campaign_id', 'list_id', name=op.f('pk_campaign_list'))
    )
    with op.batch_alter_table('campaign_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_campaign_list_list_id'), ['list_id'], unique=False)

    with op.batch_alter_table('message', schema=None) as batch_op:
        # Leases that ran out are found among the rows being sent only.
        batch_op.create_index('ix_message_leased_until_sending', ['leased_until'], unique=False, sqlite_where=sa.text("status = 'sending'"), postgresql_where=sa.text("status = 'sending'"))
        # Test sends are few: found without reading a campaign's own messages.
        batch_op.create_index('ix_message_campaign_id_status_test_sends', ['campaign_id', 'status'], unique=False, sqlite_where=sa.text('is_test_send'), postgresql_where=sa.text('is_test_send'))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_campaign_id_status_test_sends', sqlite_where=sa.text('is_test_send'), postgresql_where=sa.text('is_test_send'))
        batch_op.drop_index('ix_message_leased_until_sending', sqlite_where=sa.text("status = 'sending'"), postgresql_where=sa.text("status = 'sending'"))

    with op.batch_alter_table('campaign_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_list_list_id'))

    op.drop_table('campaign_list')
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_status_scheduled_at'))
        batch_op.drop_column('paused_reason')
        batch_op.drop_column('status_changed_at')
        batch_op.drop_column('finished_at')
        batch_op.drop_column('launched_at')
        batch_op.drop_column('scheduled_at')
