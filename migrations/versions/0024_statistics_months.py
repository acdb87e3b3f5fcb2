"""statistics_days, _months and _changes: each day's and month's counts, kept up to date by triggers

Revision ID: 0024_statistics_months
Revises: 0023_statistics_snapshots
Create Date: 2026-12-07 02:00:00

/statistik for a year adds up twelve stored months instead of counting 10,000 inquiries with
their persons and codes (stats/summary.py); a month is the sum of its stored days, and a change
recounts only its day. Triggers on the inquiries and on their codes,
persons and centres record the changed inquiry's received_at (before and after) in
statistics_changes, in the same transaction as the change and whatever made it; the statistics
count those days again. The row without a time left here asks for every day to be counted
(the clock's job `statistics-months` does it after the upgrade).
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0024_statistics_months'
down_revision = '0023_statistics_snapshots'
branch_labels = None
depends_on = None

PARTS = ('inquiry_codes', 'inquiry_exposed_persons', 'inquiry_centres')
MARK = 'INSERT INTO statistics_changes (received_at) '

SQLITE_INQUIRIES = [
    f"CREATE TRIGGER statistics_inquiries_insert AFTER INSERT ON inquiries BEGIN "
    f"{MARK}VALUES (NEW.received_at); END",
    f"CREATE TRIGGER statistics_inquiries_update AFTER UPDATE ON inquiries BEGIN "
    f"{MARK}VALUES (OLD.received_at); "
    f"{MARK}SELECT NEW.received_at WHERE NEW.received_at IS NOT OLD.received_at; END",
    f"CREATE TRIGGER statistics_inquiries_delete AFTER DELETE ON inquiries BEGIN "
    f"{MARK}VALUES (OLD.received_at); END",
]


def _sqlite_part(table: str) -> list[str]:
    # The inquiry's time by its id; nothing when the inquiry itself is gone (its own trigger marked it).
    of = "SELECT received_at FROM inquiries WHERE id = {}.inquiry_id"
    return [
        f"CREATE TRIGGER statistics_{table}_insert AFTER INSERT ON {table} BEGIN {MARK}{of.format('NEW')}; END",
        f"CREATE TRIGGER statistics_{table}_update AFTER UPDATE ON {table} BEGIN {MARK}{of.format('OLD')}; "
        f"{MARK}{of.format('NEW')} AND NEW.inquiry_id IS NOT OLD.inquiry_id; END",
        f"CREATE TRIGGER statistics_{table}_delete AFTER DELETE ON {table} BEGIN {MARK}{of.format('OLD')}; END",
    ]


POSTGRES_FUNCTIONS = [
    """CREATE OR REPLACE FUNCTION statistics_mark_inquiry() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN INSERT INTO statistics_changes (received_at) VALUES (OLD.received_at); END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.received_at IS DISTINCT FROM OLD.received_at) THEN
        INSERT INTO statistics_changes (received_at) VALUES (NEW.received_at);
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
    """CREATE OR REPLACE FUNCTION statistics_mark_inquiry_part() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO statistics_changes (received_at) SELECT received_at FROM inquiries WHERE id = OLD.inquiry_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.inquiry_id IS DISTINCT FROM OLD.inquiry_id) THEN
        INSERT INTO statistics_changes (received_at) SELECT received_at FROM inquiries WHERE id = NEW.inquiry_id;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql""",
]


def create_postgres_row_triggers():
    """The row triggers on PostgreSQL (0025 replaces them by statement triggers; its downgrade makes these)."""
    for statement in POSTGRES_FUNCTIONS:
        op.execute(statement)
    op.execute('CREATE TRIGGER statistics_mark AFTER INSERT OR UPDATE OR DELETE ON inquiries '
               'FOR EACH ROW EXECUTE FUNCTION statistics_mark_inquiry()')
    for table in PARTS:
        op.execute(f'CREATE TRIGGER statistics_mark AFTER INSERT OR UPDATE OR DELETE ON {table} '
                   'FOR EACH ROW EXECUTE FUNCTION statistics_mark_inquiry_part()')


def upgrade():
    for table, key in (('statistics_days', 'day'), ('statistics_months', 'month')):
        op.create_table(
            table,
            sa.Column(key, sa.Date(), nullable=False),
            sa.Column('total', sa.Integer(), nullable=False),
            sa.Column('counts', sa.JSON(), nullable=False),
            sa.Column('counted_at', sa.DateTime(), nullable=False),
            sa.PrimaryKeyConstraint(key, name=op.f(f'pk_{table}')),
        )
    op.create_table(
        'statistics_changes',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('received_at', sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_changes')),
    )
    if op.get_bind().dialect.name == 'postgresql':
        create_postgres_row_triggers()
    else:
        for statement in SQLITE_INQUIRIES + [s for table in PARTS for s in _sqlite_part(table)]:
            op.execute(statement)
    op.execute('INSERT INTO statistics_changes (received_at) VALUES (NULL)')
    # What stays counted per request (open inquiries by age, written questions): plain CREATE
    # INDEX, not a batch, which would rebuild the table on SQLite and cascade-delete its children.
    op.create_index('ix_inquiries_status_received_at', 'inquiries', ['status', 'received_at'], unique=False)
    op.create_index('ix_inquiries_channel_received_at', 'inquiries', ['channel', 'received_at'], unique=False)


def downgrade():
    op.drop_index('ix_inquiries_channel_received_at', table_name='inquiries')
    op.drop_index('ix_inquiries_status_received_at', table_name='inquiries')
    if op.get_bind().dialect.name == 'postgresql':
        for table in ('inquiries', *PARTS):
            op.execute(f'DROP TRIGGER IF EXISTS statistics_mark ON {table}')
        op.execute('DROP FUNCTION IF EXISTS statistics_mark_inquiry()')
        op.execute('DROP FUNCTION IF EXISTS statistics_mark_inquiry_part()')
    else:
        for table in ('inquiries', *PARTS):
            for event in ('insert', 'update', 'delete'):
                op.execute(f'DROP TRIGGER IF EXISTS statistics_{table}_{event}')
    op.drop_table('statistics_changes')
    op.drop_table('statistics_months')
    op.drop_table('statistics_days')
