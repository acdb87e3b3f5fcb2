"""statistics_snapshots: each quarter's figures frozen when the quarter ended

Revision ID: 0023_statistics_snapshots
Revises: 0022_written_questions
Create Date: 2026-12-06 22:50:00

A published quarter must not change when inquiries are edited or anonymised later: the clock
(or `supportline stats snapshot`) stores the quarter's report once it has ended, and a re-run
that finds other figures adds the next version beside the first. An index on
inquiries.updated_at lets the statistics tell cheaply whether anything changed since they counted.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0023_statistics_snapshots'
down_revision = '0022_written_questions'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'statistics_snapshots',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('quarter', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('period_start', sa.Date(), nullable=False),
        sa.Column('period_end', sa.Date(), nullable=False),
        sa.Column('made_at', sa.DateTime(), nullable=False),
        sa.Column('made_by_id', sa.Integer(), nullable=True),
        sa.Column('trigger', sa.String(length=10), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(['made_by_id'], ['users.id'], name=op.f('fk_statistics_snapshots_made_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_statistics_snapshots')),
        sa.UniqueConstraint('year', 'quarter', 'version', name='uq_statistics_snapshots_quarter_version'),
    )
    # The statistics read the latest change to an inquiry on every page (stats/cache.py). A plain
    # CREATE INDEX, not a batch: a batch that rebuilt the table on SQLite would cascade-delete the
    # inquiries' timelines, persons and codes.
    op.create_index('ix_inquiries_updated_at', 'inquiries', ['updated_at'], unique=False)


def downgrade():
    op.drop_index('ix_inquiries_updated_at', table_name='inquiries')
    op.drop_table('statistics_snapshots')
