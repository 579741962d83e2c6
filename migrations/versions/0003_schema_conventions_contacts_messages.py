"""Schema conventions, account time zone and country, contacts, lists, opt-outs, messages.

Constraints are named after all their columns; each table keeps the indexes its queries use instead
of one on every account_id; the tables that grow to millions of rows get 64-bit ids.

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('contact',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('first_name', sa.String(length=100), nullable=False),
    sa.Column('last_name', sa.String(length=100), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('consent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('consent_source', sa.String(length=100), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact')),
    sa.UniqueConstraint('account_id', 'phone', name=op.f('uq_contact_account_id_phone'))
    )
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_account_id_id'), ['account_id', 'id'], unique=False)

    op.create_table('contact_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_list_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_list')),
    sa.UniqueConstraint('account_id', 'name', name=op.f('uq_contact_list_account_id_name'))
    )
    op.create_table('opt_out',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('opted_out_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_opt_out_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opt_out')),
    sa.UniqueConstraint('account_id', 'phone', name=op.f('uq_opt_out_account_id_phone'))
    )
    op.create_table('contact_list_member',
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_contact_list_member_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_contact_list_member_contact_id_contact'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['list_id'], ['contact_list.id'], name=op.f('fk_contact_list_member_list_id_contact_list'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('list_id', 'contact_id', name=op.f('pk_contact_list_member'))
    )
    with op.batch_alter_table('contact_list_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_list_member_contact_id'), ['contact_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('contact_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('phone', sa.String(length=16), nullable=False),
    sa.Column('is_test_send', sa.Boolean(), nullable=False),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('parts', sa.SmallInteger(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('status_rank', sa.SmallInteger(), nullable=False),
    sa.Column('test_mode', sa.Boolean(), nullable=True),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('leased_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('smsapi_id', sa.String(length=32), nullable=True),
    sa.Column('points', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('smsapi_parts', sa.SmallInteger(), nullable=True),
    sa.Column('report_code', sa.Integer(), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('error_text', sa.String(length=255), nullable=True),
    sa.Column('mcc', sa.Integer(), nullable=True),
    sa.Column('mnc', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status_changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_message_account_id_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_message_campaign_id_campaign'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_id'], ['contact.id'], name=op.f('fk_message_contact_id_contact'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_message'))
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_account_id_created_at'), ['account_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_account_id_smsapi_id'), ['account_id', 'smsapi_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_message_campaign_id_status'), ['campaign_id', 'status'], unique=False)

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='Europe/Warsaw', nullable=False))
        batch_op.add_column(sa.Column('default_country', sa.String(length=2), server_default='PL', nullable=False))

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_account_id'))
        batch_op.drop_index(batch_op.f('ix_audit_event_created_at'))
        batch_op.create_index(batch_op.f('ix_audit_event_account_id_created_at'), ['account_id', 'created_at'], unique=False)

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idx_key', sa.String(length=8), nullable=True))
        batch_op.drop_index(batch_op.f('ix_campaign_account_id'))
        batch_op.create_index(batch_op.f('ix_campaign_account_id_id'), ['account_id', 'id'], unique=False)

    # Existing drafts get a random key each, as new campaigns do.
    random_key = "substr(md5(random()::text || id::text), 1, 8)" if op.get_bind().dialect.name == "postgresql" \
        else "lower(hex(randomblob(4)))"
    op.execute(f"UPDATE campaign SET idx_key = {random_key}")
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.alter_column('idx_key', existing_type=sa.String(length=8), nullable=False)

    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sender_name_account_id'))
        batch_op.drop_constraint(batch_op.f('uq_sender_name_account_id'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sender_name_account_id_name'), ['account_id', 'name'])

    with op.batch_alter_table('sender_name_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sender_name_event_account_id'))
        batch_op.drop_index(batch_op.f('ix_sender_name_event_created_at'))
        batch_op.create_index(batch_op.f('ix_sender_name_event_account_id_created_at'), ['account_id', 'created_at'], unique=False)

    with op.batch_alter_table('sms_settings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sms_settings_account_id'))

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_id'))
        batch_op.create_index(batch_op.f('ix_user_account_id_email'), ['account_id', 'email'], unique=False)



def downgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_id_email'))
        batch_op.create_index(batch_op.f('ix_user_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('sms_settings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sms_settings_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('sender_name_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sender_name_event_account_id_created_at'))
        batch_op.create_index(batch_op.f('ix_sender_name_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sender_name_event_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_sender_name_account_id_name'), type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_sender_name_account_id'), ['account_id', 'name'])
        batch_op.create_index(batch_op.f('ix_sender_name_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_campaign_account_id_id'))
        batch_op.create_index(batch_op.f('ix_campaign_account_id'), ['account_id'], unique=False)
        batch_op.drop_column('idx_key')

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_event_account_id_created_at'))
        batch_op.create_index(batch_op.f('ix_audit_event_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_event_account_id'), ['account_id'], unique=False)

    with op.batch_alter_table('account', schema=None) as batch_op:
        batch_op.drop_column('default_country')
        batch_op.drop_column('timezone')

    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_campaign_id_status'))
        batch_op.drop_index(batch_op.f('ix_message_account_id_smsapi_id'))
        batch_op.drop_index(batch_op.f('ix_message_account_id_created_at'))

    op.drop_table('message')
    with op.batch_alter_table('contact_list_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_list_member_contact_id'))

    op.drop_table('contact_list_member')
    op.drop_table('opt_out')
    op.drop_table('contact_list')
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_account_id_id'))

    op.drop_table('contact')
