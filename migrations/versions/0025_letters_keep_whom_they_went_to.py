"""letters: the addressee's name and address as they were when it was sent

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 16:25:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('addressee_name', sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column('to_address', sa.String(length=254), nullable=True))
    # Letters sent before: the address their e-mail went to, and the addressee's name
    # as it stands now (the nearest there is).
    op.execute("""
        UPDATE letter SET
          addressee_name = (SELECT name FROM addressee WHERE addressee.id = letter.addressee_id),
          to_address = (SELECT to_address FROM outbox_message
                        WHERE outbox_message.id = letter.outbox_message_id)
    """)
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.alter_column('addressee_name', existing_type=sa.String(length=300),
                              nullable=False)


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('to_address')
        batch_op.drop_column('addressee_name')
