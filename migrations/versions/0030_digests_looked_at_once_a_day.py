"""coordinators: the last day whose digests were looked at, so later runs skip them

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 22:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade():
    # Digests go at the first run at or after a coordinator's hour; without a note of
    # the day, a quiet statement would be built again at every run until midnight.
    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digests_done_for', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.drop_column('digests_done_for')
