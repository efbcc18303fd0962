"""letters: the addressee's role as it was when it was sent

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-02 00:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('addressee_role', sa.String(length=200), nullable=True))
    # Letters sent before: the addressee's role as it stands now (the nearest there is).
    op.execute("""
        UPDATE letter SET
          addressee_role = (SELECT role FROM addressee WHERE addressee.id = letter.addressee_id)
    """)


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_column('addressee_role')
