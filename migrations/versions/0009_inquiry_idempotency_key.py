"""inquiry idempotency key: a retried save finds the inquiry it already made

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    # Adding columns and an index needs no table rebuild on SQLite. A unique constraint would:
    # the batch copy drops the old table, which with foreign_keys=ON cascade-deletes every
    # inquiry's persons, codes and timeline. The unique index enforces the same rule.
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('idempotency_key', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('idempotency_fingerprint', sa.String(length=64), nullable=True))
        batch_op.create_index('uq_inquiries_created_by_id_idempotency_key', ['created_by_id', 'idempotency_key'],
                              unique=True)


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+) rather than a batch rebuild, for the
    # same reason as above: a rebuild would cascade-delete the timeline on SQLite.
    op.drop_index('uq_inquiries_created_by_id_idempotency_key', table_name='inquiries')
    op.drop_column('inquiries', 'idempotency_fingerprint')
    op.drop_column('inquiries', 'idempotency_key')
