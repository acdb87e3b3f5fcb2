"""inquiry search: the stemmed-term table filled on PostgreSQL too, searched in place of the tsvector

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 14:40:00

On 100,000 inquiries PostgreSQL intersects B-tree term lists with a filter by merge joins of
index-only scans (2-3 ms), where the GIN index had to visit a heap row per hit (5-10 ms).
SQLite's terms are written again too: the stemmer now undoubles "kt" as Snowball does
("direkt" and "direkta" meet in "direk"), where it used to undouble "kk".

inquiry_search stays, kept up to date by this release, so the previous one still works while
a release rolls out or back (docs/OPERATIONS.md, "Upgrading"); a later migration drops it.
About 50 s per 100,000 inquiries on PostgreSQL.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# The case text search covers, as in supportline.inquiries.search.document_text.
TEXT_COLUMNS = ("summary", "advice", "caller_role", "caller_organisation")
TIMELINE_TEXT = "SELECT inquiry_id, text FROM inquiry_timeline WHERE kind IN ('contact', 'note') AND text != ''"


def upgrade():
    bind = op.get_bind()
    # Only inquiries that were in the search are indexed again (retention removed the rest).
    source = "inquiry_search" if bind.dialect.name == "postgresql" else "inquiry_terms"
    indexed = {row[0] for row in bind.execute(sa.text(f"SELECT DISTINCT inquiry_id FROM {source}"))}
    op.execute("DELETE FROM inquiry_terms")
    _fill_terms(bind, indexed)


def _fill_terms(bind, indexed: set[int]):
    # The stemmer is the application's own: the terms written here must be the ones a search looks up.
    from supportline.inquiries.stemming import terms

    timeline: dict[int, list[str]] = {}
    for inquiry_id, text in bind.execute(sa.text(TIMELINE_TEXT)):
        timeline.setdefault(inquiry_id, []).append(text)
    rows = bind.execute(sa.text(f"SELECT id, {', '.join(TEXT_COLUMNS)} FROM inquiries ORDER BY id")).all()
    insert = sa.text("INSERT INTO inquiry_terms (term, inquiry_id) VALUES (:term, :inquiry_id) "
                     "ON CONFLICT DO NOTHING")
    batch = []
    for inquiry_id, *texts in rows:
        if inquiry_id not in indexed:
            continue
        document = "\n".join(t for t in [*texts, *timeline.get(inquiry_id, [])] if t)
        batch += [{"term": term[:60], "inquiry_id": inquiry_id} for term in terms(document)]
        if len(batch) >= 10_000:
            bind.execute(insert, batch)
            batch = []
    if batch:
        bind.execute(insert, batch)


def downgrade():
    # The previous release neither reads nor refreshes PostgreSQL's terms; inquiry_search has
    # been kept current all along. SQLite keeps the terms of the current stemmer, which differ
    # from the old one's only for words ending in a doubled k or in kt.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DELETE FROM inquiry_terms")
