"""opening hours: the regular week, changed days and whether the operator has confirmed them

Seeded with the line's last published hours (the county board's: Monday, Wednesday and Friday
09–12, Swedish time), not confirmed for NCK: the public texts keep pointing to the operator's
page until an admin confirms them at /admin/oppettider.

Revision ID: 0021_opening_hours
Revises: 0020_outcomes_and_persons
Create Date: 2026-12-06 22:30:00

"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021_opening_hours'
down_revision = '0020_outcomes_and_persons'
branch_labels = None
depends_on = None

PUBLISHED_WEEK = [(0, 540, 720), (2, 540, 720), (4, 540, 720)]  # Mon, Wed, Fri 09:00–12:00


def upgrade():
    hours = op.create_table('opening_hours',
    sa.Column('weekday', sa.SmallInteger(), autoincrement=False, nullable=False),
    sa.Column('opens', sa.SmallInteger(), nullable=False),
    sa.Column('closes', sa.SmallInteger(), nullable=False),
    sa.CheckConstraint('weekday >= 0 AND weekday <= 6', name=op.f('ck_opening_hours_weekday_range')),
    sa.CheckConstraint('opens >= 0 AND opens < closes AND closes <= 1440', name=op.f('ck_opening_hours_span')),
    sa.PrimaryKeyConstraint('weekday', name=op.f('pk_opening_hours'))
    )
    op.create_table('opening_hours_changes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('opens', sa.SmallInteger(), nullable=True),
    sa.Column('closes', sa.SmallInteger(), nullable=True),
    sa.Column('note', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('(opens IS NULL AND closes IS NULL) OR (opens >= 0 AND opens < closes AND closes <= 1440)',
                       name=op.f('ck_opening_hours_changes_span')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours_changes')),
    sa.UniqueConstraint('day', name=op.f('uq_opening_hours_changes_day'))
    )
    settings = op.create_table('opening_hours_settings',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('confirmed', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'],
                            name=op.f('fk_opening_hours_settings_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opening_hours_settings'))
    )
    op.bulk_insert(hours, [{"weekday": d, "opens": o, "closes": c} for d, o, c in PUBLISHED_WEEK])
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    op.bulk_insert(settings, [{"id": 1, "confirmed": False, "updated_at": now, "updated_by_id": None}])


def downgrade():
    op.drop_table('opening_hours_settings')
    op.drop_table('opening_hours_changes')
    op.drop_table('opening_hours')
