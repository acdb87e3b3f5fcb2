"""outcomes and persons: what a call led to, the perpetrators' relation per person, persons only mentioned

Revision ID: 0020_outcomes_and_persons
Revises: 0019_timeline_article_slug
Create Date: 2026-12-06 22:30:00

The outcomes themselves are codes of the kind "outcomes" in inquiry_codes, like the other code
lists: no schema change. New here:
- inquiry_exposed_persons.role ("exposed", or "mentioned" for a person only mentioned) and
  perpetrator_relations (the relation codes for this person, space-separated). Both are added
  in place (SQLite adds a column with a default without rebuilding the table).
- inquiry_centres: the regional resource centre an inquiry's centre outcomes name, with its
  name and county as chosen.

Nothing is removed or rewritten: the inquiry-level perpetrator relations stay as they are. A
case with exactly one person also gets them on that person, because there they can only be
that person's; for a case with several persons nobody can tell whose they were, so those
persons keep an empty list and the statistics read the inquiry's codes for them.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0020_outcomes_and_persons'
down_revision = '0019_timeline_article_slug'
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade():
    with op.batch_alter_table('inquiry_exposed_persons', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=12), nullable=False, server_default='exposed'))
        batch_op.add_column(sa.Column('perpetrator_relations', sa.String(length=200), nullable=False,
                                      server_default=''))
    with op.batch_alter_table('inquiry_exposed_persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiry_exposed_persons_role'), ['role'], unique=False)
    op.create_table(
        'inquiry_centres',
        sa.Column('inquiry_id', sa.Integer(), nullable=False),
        sa.Column('centre_id', sa.Integer(), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('county_code', sa.String(length=2), nullable=True),
        sa.ForeignKeyConstraint(['centre_id'], ['resource_centres.id'],
                                name=op.f('fk_inquiry_centres_centre_id_resource_centres'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'],
                                name=op.f('fk_inquiry_centres_inquiry_id_inquiries'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('inquiry_id', name=op.f('pk_inquiry_centres')),
    )
    with op.batch_alter_table('inquiry_centres', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inquiry_centres_centre_id'), ['centre_id'], unique=False)
    _relations_of_single_persons()


def _relations_of_single_persons():
    """Copy the inquiry's perpetrator relations to its person where the case has exactly one."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT p.id, c.code FROM inquiry_exposed_persons p "
        "JOIN inquiry_codes c ON c.inquiry_id = p.inquiry_id AND c.kind = 'perpetrator_relations' "
        "WHERE p.inquiry_id IN (SELECT inquiry_id FROM inquiry_exposed_persons "
        "GROUP BY inquiry_id HAVING count(*) = 1)")).all()
    relations: dict[int, set[str]] = {}
    for person_id, code in rows:
        relations.setdefault(person_id, set()).add(code)
    updates = [{"id": person_id, "relations": " ".join(sorted(codes))[:200]} for person_id, codes in relations.items()]
    statement = sa.text("UPDATE inquiry_exposed_persons SET perpetrator_relations = :relations WHERE id = :id")
    for start in range(0, len(updates), BATCH):
        conn.execute(statement, updates[start:start + BATCH])


def downgrade():
    with op.batch_alter_table('inquiry_centres', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiry_centres_centre_id'))
    op.drop_table('inquiry_centres')
    with op.batch_alter_table('inquiry_exposed_persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inquiry_exposed_persons_role'))
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) rather than a batch rebuild, as in 0018 and 0019.
    op.drop_column('inquiry_exposed_persons', 'perpetrator_relations')
    op.drop_column('inquiry_exposed_persons', 'role')
    # The outcome codes stay in inquiry_codes: the previous release reads only the kinds it
    # knows, and an upgrade again finds them where they were.
