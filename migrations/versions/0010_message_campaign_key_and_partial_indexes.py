"""A message's campaign is referenced with its account (one foreign key for both, so a message can
never point at another account's campaign), and the message indexes of SMSAPI ids and delivery
times hold only the rows that have one.

Each foreign key is checked row by row, so a launch of a million messages paid for two checks
(account, campaign) where one now does; an index entry is written for every new row, and a queued
message has neither an SMSAPI id nor a delivery time yet. Account deletion still reaches every
message, through its campaign.

Revision ID: 0010
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_account_id_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_campaign_account_id_id'), ['account_id', 'id'])

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_message_account_id_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_message_campaign_id_campaign'), type_='foreignkey')
        batch_op.create_foreign_key(
            batch_op.f('fk_message_account_id_campaign_id_campaign'), 'campaign',
            ['account_id', 'campaign_id'], ['account_id', 'id'], ondelete='CASCADE')
        batch_op.drop_index(batch_op.f('ix_message_account_id_smsapi_id'))
        batch_op.create_index(batch_op.f('ix_message_account_id_smsapi_id'), ['account_id', 'smsapi_id'],
                              unique=False, postgresql_where=sa.text('smsapi_id IS NOT NULL'),
                              sqlite_where=sa.text('smsapi_id IS NOT NULL'))
        batch_op.drop_index(batch_op.f('ix_message_campaign_id_delivered_at'))
        batch_op.create_index(batch_op.f('ix_message_campaign_id_delivered_at'), ['campaign_id', 'delivered_at'],
                              unique=False, postgresql_where=sa.text('delivered_at IS NOT NULL'),
                              sqlite_where=sa.text('delivered_at IS NOT NULL'))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_campaign_id_delivered_at'))
        batch_op.create_index(batch_op.f('ix_message_campaign_id_delivered_at'), ['campaign_id', 'delivered_at'],
                              unique=False)
        batch_op.drop_index(batch_op.f('ix_message_account_id_smsapi_id'))
        batch_op.create_index(batch_op.f('ix_message_account_id_smsapi_id'), ['account_id', 'smsapi_id'],
                              unique=False)
        batch_op.drop_constraint(batch_op.f('fk_message_account_id_campaign_id_campaign'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_message_campaign_id_campaign'), 'campaign',
                                    ['campaign_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_message_account_id_account'), 'account',
                                    ['account_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_campaign_account_id_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_campaign_account_id_id'), ['account_id', 'id'], unique=False)
