"""letters: the PDF a letter's first attempt rendered, kept for its retries

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    # Empty for every existing letter: a letter still queued renders its PDF at its
    # next attempt, as it did before.
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pdf', sa.LargeBinary(), nullable=True))


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('pdf')
