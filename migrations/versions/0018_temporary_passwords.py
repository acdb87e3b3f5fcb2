"""users: a temporary password must be changed at the first login

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 20:20:00

A password an admin typed (the admin page or `supportline users create`) is known to two
people; the account is sent to the password page until its owner has chosen their own.
Existing accounts keep their passwords as they are.
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # A plain added column with a server default: SQLite adds it in place, without a rebuild.
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('must_change_password', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade():
    # ALTER TABLE ... DROP COLUMN (SQLite 3.35+) rather than a batch rebuild, as in 0009.
    op.drop_column('users', 'must_change_password')
