"""inquiry_timeline: a linked article's slug as an indexed column

Revision ID: 0019_timeline_article_slug
Revises: 0018
Create Date: 2026-12-06 21:15:00

A staff article page says how many times handlers linked the article. It read every link's
JSON detail and compared the slug in Python on each view; the slug now has a column and an
index, filled from the detail for the links already made.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0019_timeline_article_slug'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    # A nullable added column: SQLite adds it in place, without a rebuild.
    with op.batch_alter_table('inquiry_timeline', schema=None) as batch_op:
        batch_op.add_column(sa.Column('article_slug', sa.String(length=200), nullable=True))
    slug = ("json_extract(detail, '$.slug')" if op.get_bind().dialect.name == 'sqlite'
            else "(detail::json ->> 'slug')")
    op.execute(f"UPDATE inquiry_timeline SET article_slug = substr({slug}, 1, 200) WHERE kind = 'article_link'")
    with op.batch_alter_table('inquiry_timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiry_timeline_article_slug'), ['article_slug'], unique=False)


def downgrade():
    with op.batch_alter_table('inquiry_timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiry_timeline_article_slug'))
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) rather than a batch rebuild, as in 0018.
    op.drop_column('inquiry_timeline', 'article_slug')
