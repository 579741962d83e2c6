"""Session version per user, version per campaign draft, sender names as long as SMSAPI stores them.

A user's session version is part of every session and remember-me cookie: raising it (sign-out, a
new password, deactivation) ends them all. A draft's version refuses a stale save. Sender names
imported from SMSAPI's panel may be longer than the portal's own rule allows.

Revision ID: 0009
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=11), type_=sa.String(length=64),
                              existing_nullable=False)


def downgrade():
    with op.batch_alter_table('sender_name', schema=None) as batch_op:
        batch_op.alter_column('name', existing_type=sa.String(length=64), type_=sa.String(length=11),
                              existing_nullable=False)
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_column('version')
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('session_version')
