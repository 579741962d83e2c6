"""Search by any part of a number through its 4-digit grams instead of trigrams (PostgreSQL).

A phone number is ten or so digits from an alphabet of ten, so its trigrams repeat across most of
an account's numbers: a search for `+4870095` matched a hundred thousand rows by trigram to find a
few. Every run of four digits of the number, as an integer array in a GIN index, narrows a search
of four or more digits to the numbers that hold all of its runs; the LIKE that follows only checks
their order. SQLite keeps plain scans.

Revision ID: 0011
Revises: 0010
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# The number as stored (E.164: `+` and at most 15 digits), each run of four digits as an integer.
# One expression without a subquery, so PostgreSQL inlines it: a row costs microseconds to index.
GRAMS_FUNCTION = """
CREATE OR REPLACE FUNCTION phone_digit_grams(phone text) RETURNS int[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT array_remove(ARRAY[
        CASE WHEN length(phone) >= 5 THEN substr(phone, 2, 4)::int END,
        CASE WHEN length(phone) >= 6 THEN substr(phone, 3, 4)::int END,
        CASE WHEN length(phone) >= 7 THEN substr(phone, 4, 4)::int END,
        CASE WHEN length(phone) >= 8 THEN substr(phone, 5, 4)::int END,
        CASE WHEN length(phone) >= 9 THEN substr(phone, 6, 4)::int END,
        CASE WHEN length(phone) >= 10 THEN substr(phone, 7, 4)::int END,
        CASE WHEN length(phone) >= 11 THEN substr(phone, 8, 4)::int END,
        CASE WHEN length(phone) >= 12 THEN substr(phone, 9, 4)::int END,
        CASE WHEN length(phone) >= 13 THEN substr(phone, 10, 4)::int END,
        CASE WHEN length(phone) >= 14 THEN substr(phone, 11, 4)::int END,
        CASE WHEN length(phone) >= 15 THEN substr(phone, 12, 4)::int END,
        CASE WHEN length(phone) >= 16 THEN substr(phone, 13, 4)::int END
    ], NULL)
$$
"""


def upgrade():
    # SQLite's plain index of the phone is redundant with the (account_id, phone) unique constraint.
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.drop_index('ix_contact_phone_trgm')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(GRAMS_FUNCTION)
        op.execute("CREATE INDEX ix_contact_phone_grams ON contact USING gin (phone_digit_grams(phone))")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.drop_index('ix_contact_phone_grams', table_name='contact')
        op.execute("DROP FUNCTION phone_digit_grams(text)")
    with op.batch_alter_table('contact', schema=None) as batch_op:
        batch_op.create_index('ix_contact_phone_trgm', ['phone'], unique=False, postgresql_using='gin',
                              postgresql_ops={'phone': 'gin_trgm_ops'})
