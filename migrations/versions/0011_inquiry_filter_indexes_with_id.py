"""inquiry filter indexes carry the id: index-only counts of a filter combined with a search

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 13:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

COLUMNS = ("caller_sector", "county_code", "urgency", "status")


def upgrade():
    for column in COLUMNS:
        op.create_index(f"ix_inquiries_{column}_id", "inquiries", [column, "id"], unique=False)
        op.drop_index(f"ix_inquiries_{column}", table_name="inquiries")


def downgrade():
    for column in COLUMNS:
        op.create_index(f"ix_inquiries_{column}", "inquiries", [column], unique=False)
        op.drop_index(f"ix_inquiries_{column}_id", table_name="inquiries")
