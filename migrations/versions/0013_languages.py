"""languages: each signer, coordinator and outbox row is written to in its own

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

COLUMNS = [('individual_signature', 'language'), ('organization_signature', 'language'),
           ('coordinator', 'language'), ('outbox_message', 'locale')]


def upgrade():
    # Everyone so far was written to in English, the only language there was.
    for table, column in COLUMNS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column(column, sa.String(length=16), nullable=False,
                                          server_default='en'))


def downgrade():
    for table, column in reversed(COLUMNS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column(column)
