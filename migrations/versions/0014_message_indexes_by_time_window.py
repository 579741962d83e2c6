"""The account's messages are found by the times the dashboard counts (sent, delivered, failed) and
the test-mode messages waiting for their simulated report by an index of their own, instead of by
the time each message was made.

The dashboard's last 30 days read only the messages of those 30 days, not every message the account
ever sent; the search for due test-mode reports, every few seconds, reads only those messages rather
than the whole table; and taking a message to send no longer writes an index entry by account.

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TEST_REPORT_DUE = "test_mode AND status = 'submitted' AND report_code IS NULL"
WINDOWS = ('submitted_at', 'delivered_at', 'failed_at')


def upgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_account_id_created_at'))
        for column in WINDOWS:
            batch_op.create_index(batch_op.f(f'ix_message_account_id_{column}'), ['account_id', column],
                                  unique=False, postgresql_where=sa.text(f'{column} IS NOT NULL'),
                                  sqlite_where=sa.text(f'{column} IS NOT NULL'))
        batch_op.create_index('ix_message_account_id_submitted_at_test_reports_due',
                              ['account_id', 'submitted_at'], unique=False,
                              postgresql_where=sa.text(TEST_REPORT_DUE), sqlite_where=sa.text(TEST_REPORT_DUE))


def downgrade():
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('ix_message_account_id_submitted_at_test_reports_due')
        for column in reversed(WINDOWS):
            batch_op.drop_index(batch_op.f(f'ix_message_account_id_{column}'))
        batch_op.create_index(batch_op.f('ix_message_account_id_created_at'), ['account_id', 'created_at'],
                              unique=False)
