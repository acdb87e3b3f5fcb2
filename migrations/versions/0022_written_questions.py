"""written questions: pickup links, answer templates, inquiries without a creating user

Revision ID: 0022_written_questions
Revises: 0021_opening_hours
Create Date: 2026-12-06 22:40:00

A question sent through /fraga becomes an inquiry with channel `web` that no user created, so
inquiries.created_by_id may be empty. web_questions and web_question_links hold what the
pickup page needs (a link's code only as a hash); answer_templates are the editors' answer
templates. An index on (channel, id) serves /arenden?channel=web.
"""
import sqlalchemy as sa
from alembic import op

import supportline.db

# revision identifiers, used by Alembic.
revision = '0022_written_questions'
down_revision = '0021_opening_hours'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_index('ix_inquiries_channel_id', ['channel', 'id'], unique=False)
    op.create_table(
        'web_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('inquiry_id', sa.Integer(), nullable=False),
        sa.Column('waiting_since', supportline.db.UTCDateTime(), nullable=True),
        sa.Column('last_answer_at', supportline.db.UTCDateTime(), nullable=True),
        sa.Column('notify_email', sa.String(length=320), nullable=True),
        sa.Column('created_at', supportline.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['inquiry_id'], ['inquiries.id'], name=op.f('fk_web_questions_inquiry_id_inquiries'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_questions')),
        sa.UniqueConstraint('inquiry_id', name=op.f('uq_web_questions_inquiry_id')),
    )
    with op.batch_alter_table('web_questions', schema=None) as batch_op:
        batch_op.create_index('ix_web_questions_waiting_since', ['waiting_since'], unique=False)
    op.create_table(
        'web_question_links',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('code_hash', sa.String(length=64), nullable=False),
        sa.Column('created_at', supportline.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['web_questions.id'],
                                name=op.f('fk_web_question_links_question_id_web_questions'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_web_question_links')),
        sa.UniqueConstraint('code_hash', name=op.f('uq_web_question_links_code_hash')),
    )
    with op.batch_alter_table('web_question_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_question_links_question_id'), ['question_id'], unique=False)
    op.create_table(
        'answer_templates',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('article_slugs', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=20), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('created_at', supportline.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', supportline.db.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_answer_templates_updated_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_templates')),
    )
    with op.batch_alter_table('answer_templates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_templates_status'), ['status'], unique=False)


def downgrade():
    op.drop_table('answer_templates')
    op.drop_table('web_question_links')
    op.drop_table('web_questions')
    # The written questions had no creating user; the schema before this one requires one, so
    # they go with the feature (children by hand: SQLite migrates with its foreign keys off).
    web = "SELECT id FROM inquiries WHERE created_by_id IS NULL"
    for child in ('inquiry_timeline', 'inquiry_codes', 'inquiry_exposed_persons', 'inquiry_terms', 'inquiry_search'):
        op.execute(f"DELETE FROM {child} WHERE inquiry_id IN ({web})")
    op.execute("DELETE FROM inquiries WHERE created_by_id IS NULL")
    with op.batch_alter_table('inquiries', schema=None) as batch_op:
        batch_op.drop_index('ix_inquiries_channel_id')
        batch_op.alter_column('created_by_id', existing_type=sa.Integer(), nullable=False)
