"""inquiry search: terms for the labels of a case's codes, synonym groups and definite forms

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 20:05:00

A case is now stored under more terms than the stems of its text (stemming.index_terms): the
Swedish labels of its codes and sector ("utomlands" finds exposure `abroad`), one concept term
per synonym group of knowledge/data/synonyms.yaml its text mentions, and the stem of a word
without its definite "-et" ("passet" and "pass" meet). This writes the terms of every inquiry
that is in the search again, as `supportline inquiries reindex` does; anonymised ones stay out.

No schema change, so nothing to undo: the previous release looks up stems only, which are
still there.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

# The case text search covers, as in supportline.inquiries.search.document_text.
TEXT_COLUMNS = ("summary", "advice", "caller_role", "caller_organisation")
TIMELINE_TEXT = "SELECT inquiry_id, text FROM inquiry_timeline WHERE kind IN ('contact', 'note') AND text != ''"


def upgrade():
    # The application's own functions: the terms written here must be the ones a search looks up.
    from supportline.inquiries.search import code_labels
    from supportline.inquiries.stemming import index_terms

    bind = op.get_bind()
    indexed = {row[0] for row in bind.execute(sa.text("SELECT DISTINCT inquiry_id FROM inquiry_terms"))}
    timeline: dict[int, list[str]] = {}
    for inquiry_id, text in bind.execute(sa.text(TIMELINE_TEXT)):
        timeline.setdefault(inquiry_id, []).append(text)
    codes: dict[int, list[tuple[str, str]]] = {}
    for inquiry_id, kind, code in bind.execute(sa.text("SELECT inquiry_id, kind, code FROM inquiry_codes")):
        codes.setdefault(inquiry_id, []).append((kind, code))
    rows = bind.execute(sa.text(f"SELECT id, caller_sector, {', '.join(TEXT_COLUMNS)} FROM inquiries ORDER BY id"))
    insert = sa.text("INSERT INTO inquiry_terms (term, inquiry_id) VALUES (:term, :inquiry_id) "
                     "ON CONFLICT DO NOTHING")
    batch = []
    for inquiry_id, sector, *texts in rows.all():
        if inquiry_id not in indexed:
            continue
        document = "\n".join(t for t in [*texts, *timeline.get(inquiry_id, [])] if t)
        labels = code_labels(sector, sorted(codes.get(inquiry_id, [])))
        # Added beside the stems already there, which are a subset of these terms.
        batch += [{"term": term, "inquiry_id": inquiry_id} for term in index_terms(document, labels)]
        if len(batch) >= 10_000:
            bind.execute(insert, batch)
            batch = []
    if batch:
        bind.execute(insert, batch)


def downgrade():
    pass
