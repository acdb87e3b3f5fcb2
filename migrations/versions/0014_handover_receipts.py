"""handover receipts: the receiver's receipt on each package, and what an installation received

Revision ID: 0014_handover_receipts
Revises: 0013_article_review_note
Create Date: 2026-12-06 20:10:00

The sender records NCK's receipt against the package it wrote (only then may retention remove
what was handed over); the receiver records each package it imported, so it knows it runs the
line and can show what it received.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0014_handover_receipts'
down_revision = '0013_article_review_note'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('handover_batches') as batch:
        batch.add_column(sa.Column('receipt_verified_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('receipt_receiver', sa.String(length=200), nullable=True))
        batch.add_column(sa.Column('receipt_confirmed_at', sa.DateTime(), nullable=True))
        batch.add_column(sa.Column('receipt', sa.JSON(), nullable=True))
    op.create_table(
        'handover_receptions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('file_name', sa.String(length=200), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=10), nullable=False),
        sa.Column('previous_sha256', sa.String(length=64), nullable=True),
        sa.Column('generated_at', sa.DateTime(), nullable=True),
        sa.Column('counts', sa.JSON(), nullable=True),
        sa.Column('imported_at', sa.DateTime(), nullable=False),
        sa.Column('verified_at', sa.DateTime(), nullable=True),
        sa.Column('verified_by', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover_receptions')),
        sa.UniqueConstraint('sha256', name='uq_handover_receptions_sha256'),
    )


def downgrade():
    op.drop_table('handover_receptions')
    with op.batch_alter_table('handover_batches') as batch:
        batch.drop_column('receipt')
        batch.drop_column('receipt_confirmed_at')
        batch.drop_column('receipt_receiver')
        batch.drop_column('receipt_verified_at')
