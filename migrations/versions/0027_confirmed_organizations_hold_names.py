"""organizations: only the approved co-signature holds its name; one undecided
co-signature per name and contact

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 19:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

_HELD_BEFORE = sa.text("status NOT IN ('invalidated', 'rejected')")
_HELD_NOW = sa.text("status IN ('approved')")
_UNDECIDED = sa.text("status IN ('awaiting_approval', 'suspected', 'unconfirmed')")


def _held_by(predicate):
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.drop_index('uq_organization_signature_name_held')
        batch_op.create_index('uq_organization_signature_name_held',
                              ['statement_id', 'name_key'], unique=True,
                              postgresql_where=predicate, sqlite_where=predicate)


def upgrade():
    # Fewer rows hold a name than before, and one undecided row per name was all there
    # could be: the rows there are fit both indexes.
    _held_by(_HELD_NOW)
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.create_index('uq_organization_signature_undecided',
                              ['statement_id', 'name_key', 'contact_email_key'], unique=True,
                              postgresql_where=_UNDECIDED, sqlite_where=_UNDECIDED)


def downgrade():
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.drop_index('uq_organization_signature_undecided')
    # Refused, and nothing changed, where two contacts' co-signatures by one name are
    # undecided, or one is beside the listed one: they cannot both hold it once more.
    _held_by(_HELD_BEFORE)
