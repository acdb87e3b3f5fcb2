"""call records from the telephone system: answered and missed calls, no caller numbers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 21:00:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('call_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('record_key', sa.String(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(), nullable=False),
    sa.Column('local_date', sa.Date(), nullable=False),
    sa.Column('local_weekday', sa.SmallInteger(), nullable=False),
    sa.Column('local_minute', sa.SmallInteger(), nullable=False),
    sa.Column('answered', sa.Boolean(), nullable=False),
    sa.Column('wait_seconds', sa.Integer(), nullable=True),
    sa.Column('duration_seconds', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_call_records')),
    sa.UniqueConstraint('record_key', name=op.f('uq_call_records_record_key'))
    )
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_call_records_local_date'), ['local_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_call_records_started_at'), ['started_at'], unique=False)


def downgrade():
    with op.batch_alter_table('call_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_call_records_started_at'))
        batch_op.drop_index(batch_op.f('ix_call_records_local_date'))
    op.drop_table('call_records')
