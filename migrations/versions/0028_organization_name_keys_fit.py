"""organizations: room for a name's folded key, which can be longer than the name

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 22:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    # Case folding turns one character into as many as three ("ß" into "ss", "ΐ" into
    # three): a 200-character name could have a key PostgreSQL refused to store.
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=200),
                              type_=sa.String(length=600), existing_nullable=False)


def downgrade():
    # Refused where a longer key was stored since.
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.alter_column('name_key', existing_type=sa.String(length=600),
                              type_=sa.String(length=200), existing_nullable=False)
