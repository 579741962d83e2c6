"""The dashboard's figures of each settled day, kept per account and time zone, so that its last 30
days are not counted again from every message on every view.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('daily_figures',
    sa.Column('zone', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('delivered', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('points', sa.Numeric(precision=14, scale=4), nullable=False),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['account.id'], name=op.f('fk_daily_figures_account_id_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('account_id', 'zone', 'day', name=op.f('pk_daily_figures'))
    )


def downgrade():
    op.drop_table('daily_figures')
