"""A list membership refers to its list and its contact within its account: two foreign keys, each
over (account, id), instead of three (account, list, contact).

No membership can join one account's list to another account's contact, and an import that puts a
hundred thousand contacts on a list checks each row twice rather than three times. Deleting an
account still removes every membership, through its lists and contacts.

Revision ID: 0012
Revises: 0011
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_account_id_id'))
        batch_op.create_unique_constraint(batch_op.f('uq_contact_account_id_id'), ['account_id', 'id'])

    with op.batch_alter_table('contact_list', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_contact_list_account_id_id'), ['account_id', 'id'])

    with op.batch_alter_table('contact_list_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_list_member_account_id_account'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contact_list_member_list_id_contact_list'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contact_list_member_contact_id_contact'), type_='foreignkey')
        batch_op.create_foreign_key(
            batch_op.f('fk_contact_list_member_account_id_list_id_contact_list'), 'contact_list',
            ['account_id', 'list_id'], ['account_id', 'id'], ondelete='CASCADE')
        batch_op.create_foreign_key(
            batch_op.f('fk_contact_list_member_account_id_contact_id_contact'), 'contact',
            ['account_id', 'contact_id'], ['account_id', 'id'], ondelete='CASCADE')


def downgrade():
    with op.batch_alter_table('contact_list_member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_contact_list_member_account_id_contact_id_contact'),
                                 type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_contact_list_member_account_id_list_id_contact_list'),
                                 type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_contact_list_member_contact_id_contact'), 'contact',
                                    ['contact_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_contact_list_member_list_id_contact_list'), 'contact_list',
                                    ['list_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(batch_op.f('fk_contact_list_member_account_id_account'), 'account',
                                    ['account_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('contact_list', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contact_list_account_id_id'), type_='unique')

    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_contact_account_id_id'), type_='unique')
        batch_op.create_index(batch_op.f('ix_contact_account_id_id'), ['account_id', 'id'], unique=False)
