"""articles: review note, the date the described rules apply from, and the version an import wrote

Revision ID: 0013_article_review_note
Revises: 0012
Create Date: 2026-12-06 20:00:00

imported_version lets `kb import` tell an article still as imported (it may be updated from
the files) from one an editor has changed since (it must not be overwritten). Existing rows
count as imported when their latest revision was written by an import.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_article_review_note'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('review_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('in_force_since', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('imported_version', sa.Integer(), nullable=True))
    op.execute(
        "UPDATE articles SET imported_version = version WHERE ("
        " SELECT r.note FROM article_revisions r WHERE r.article_id = articles.id"
        " ORDER BY r.number DESC LIMIT 1) LIKE 'Importerad%'"
    )


def downgrade():
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('imported_version')
        batch_op.drop_column('in_force_since')
        batch_op.drop_column('review_note')
