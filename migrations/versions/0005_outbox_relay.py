"""outbox: when a message was last handed to the worker

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 11:00:00

"""
from alembic import op
import sqlalchemy as sa

import campaign.database


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('queued_at', campaign.database.UTCDateTime(), nullable=True))


def downgrade():
    with op.batch_alter_table('outbox_message', schema=None) as batch_op:
        batch_op.drop_column('queued_at')
