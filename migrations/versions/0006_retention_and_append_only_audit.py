"""retention: inquiries.anonymised_at; audit_events append-only on PostgreSQL

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 10:10:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

# The application never changes or deletes an audit event (supportline/audit/guard.py refuses it
# in the ORM); on PostgreSQL the database refuses it too, so neither a bug nor an injected
# statement can rewrite who read what. The table's owner can still drop the trigger: running the
# web processes as a role that does not own the schema closes that. TRUNCATE is left alone: it
# is not a row operation, and the test suite uses it to reset the tables between tests.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_events_append_only
BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""


def upgrade():
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('anonymised_at', sa.DateTime(), nullable=True))

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events')
        op.execute('DROP FUNCTION IF EXISTS audit_events_append_only()')

    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_column('anonymised_at')
