"""statistics_changes on PostgreSQL: one trigger run per statement instead of per row

Revision ID: 0025_statistics_statements
Revises: 0024_statistics_months
Create Date: 2026-12-07 07:00:00

The row triggers of 0024 looked up the inquiry of every code, person and centre written, with a
plan PostgreSQL keeps per connection. When the planner's statistics say `inquiries` is small (a new
installation, or after retention or a handover import emptied it) that plan reads the table from
start to end for every row: a bulk load (COPY of an import, the demo seed) of 4,000 inquiries with
their 31,000 codes took ten times as long as on a database without statistics. Statement triggers
see all the rows a statement wrote at once (its transition tables) and look the inquiries up in one
join, and record each distinct time once instead of once per row. SQLite has no statement triggers;
its row triggers look the inquiry up by its key whatever its size, and stay.
"""
import importlib.util
from pathlib import Path

from alembic import op

# revision identifiers, used by Alembic.
revision = '0025_statistics_statements'
down_revision = '0024_statistics_months'
branch_labels = None
depends_on = None

PARTS = ('inquiry_codes', 'inquiry_exposed_persons', 'inquiry_centres')

# Each event in a trigger of its own: PostgreSQL allows transition tables only on a one-event trigger.
# An UPDATE records the times before and after (the same time once when it did not change).
FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION statistics_mark_inquiries() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO statistics_changes (received_at) SELECT DISTINCT received_at FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO statistics_changes (received_at)
        SELECT received_at FROM old_rows UNION SELECT received_at FROM new_rows;
    ELSE
        INSERT INTO statistics_changes (received_at) SELECT DISTINCT received_at FROM old_rows;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    # A part whose inquiry is gone (deleted with it) records nothing: the inquiry's own trigger did.
    # EXECUTE plans the lookup each time, for the table as it is and the rows the statement wrote; a
    # plan kept for the connection, made when the table was a page, read it through for every one.
    """CREATE OR REPLACE FUNCTION statistics_mark_inquiry_parts() RETURNS trigger AS $$
BEGIN
    EXECUTE 'INSERT INTO statistics_changes (received_at) SELECT DISTINCT received_at FROM inquiries WHERE id IN ('
        || CASE TG_OP WHEN 'INSERT' THEN 'SELECT inquiry_id FROM new_rows'
                      WHEN 'UPDATE' THEN 'SELECT inquiry_id FROM old_rows UNION SELECT inquiry_id FROM new_rows'
                      ELSE 'SELECT inquiry_id FROM old_rows' END
        || ')';
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
]

TRANSITION_TABLES = {
    'INSERT': 'NEW TABLE AS new_rows',
    'UPDATE': 'OLD TABLE AS old_rows NEW TABLE AS new_rows',
    'DELETE': 'OLD TABLE AS old_rows',
}


def _statement_triggers(table: str, function: str) -> list[str]:
    return [f'CREATE TRIGGER statistics_mark_{event.lower()} AFTER {event} ON {table} '
            f'REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {function}()'
            for event, tables in TRANSITION_TABLES.items()]


def _migration_0024():
    """0024, which made the row triggers this replaces (a downgrade makes them again)."""
    path = Path(__file__).with_name('0024_statistics_months.py')
    spec = importlib.util.spec_from_file_location('statistics_months_0024', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def upgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in ('inquiries', *PARTS):
        op.execute(f'DROP TRIGGER statistics_mark ON {table}')
    op.execute('DROP FUNCTION statistics_mark_inquiry()')
    op.execute('DROP FUNCTION statistics_mark_inquiry_part()')
    for statement in FUNCTIONS:
        op.execute(statement)
    for statement in _statement_triggers('inquiries', 'statistics_mark_inquiries'):
        op.execute(statement)
    for table in PARTS:
        for statement in _statement_triggers(table, 'statistics_mark_inquiry_parts'):
            op.execute(statement)


def downgrade():
    if op.get_bind().dialect.name != 'postgresql':
        return
    for table in ('inquiries', *PARTS):
        for event in TRANSITION_TABLES:
            op.execute(f'DROP TRIGGER statistics_mark_{event.lower()} ON {table}')
    op.execute('DROP FUNCTION statistics_mark_inquiries()')
    op.execute('DROP FUNCTION statistics_mark_inquiry_parts()')
    _migration_0024().create_postgres_row_triggers()
