"""organizations: a rejected or invalidated co-signature no longer holds its name

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 15:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None

_HOLDS_ITS_NAME = sa.text("status NOT IN ('invalidated', 'rejected')")


def upgrade():
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.drop_constraint('uq_organization_signature_statement_id_name_key',
                                 type_='unique')
        batch_op.create_index('uq_organization_signature_name_held',
                              ['statement_id', 'name_key'], unique=True,
                              postgresql_where=_HOLDS_ITS_NAME, sqlite_where=_HOLDS_ITS_NAME)


def downgrade():
    # Refused where names were taken again since: two rows of one name cannot both
    # be unique once more.
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.drop_index('uq_organization_signature_name_held',
                            postgresql_where=_HOLDS_ITS_NAME, sqlite_where=_HOLDS_ITS_NAME)
        batch_op.create_unique_constraint('uq_organization_signature_statement_id_name_key',
                                          ['statement_id', 'name_key'])
