"""resource centres: the public directory's fields and the researched seed

Revision ID: 0015
Revises: 0014_handover_receipts
Create Date: 2026-12-06 20:30:00

Adds what the public directory at /kunskap/resurscentrum shows (municipalities served, what the
centre offers, its own page, phone, hours, sources, the date verified) and marks which rows
still hold only seed content. Rows of the first directory (0005) that no coordinator has saved
are brought to the researched seed; rows a coordinator has saved are left as they are.
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014_handover_receipts'
branch_labels = None
depends_on = None

TEXT_COLUMNS = ("municipality_codes", "offers", "sources")
STRING_COLUMNS = (("website", 500), ("phone", 50), ("hours", 200))


def upgrade():
    with op.batch_alter_table('resource_centres', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whole_county', sa.Boolean(), nullable=False, server_default=sa.false()))
        for name in TEXT_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.Text(), nullable=False, server_default=''))
        for name, length in STRING_COLUMNS:
            batch_op.add_column(sa.Column(name, sa.String(length=length), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('verified_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('seed_key', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('seeded', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.create_unique_constraint(batch_op.f('uq_resource_centres_seed_key'), ['seed_key'])
    # A row of the first directory that no coordinator has saved still holds seed content.
    op.execute("UPDATE resource_centres SET seeded = (updated_by_id IS NULL)")
    # The seed as shipped with this release (pure data, no app imports; idempotent).
    from supportline.stats.seed_data import apply_seed

    apply_seed(op.get_bind(), dt.datetime.now(dt.UTC).replace(tzinfo=None))


def downgrade():
    with op.batch_alter_table('resource_centres', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_resource_centres_seed_key'), type_='unique')
        for name in ('seeded', 'seed_key', 'verified_on', *(n for n, _ in STRING_COLUMNS), *TEXT_COLUMNS,
                     'whole_county'):
            batch_op.drop_column(name)
