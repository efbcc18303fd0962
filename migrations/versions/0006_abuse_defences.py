"""signatures: held as suspected or invalidated, and what is kept of the client

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 14:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

INDIVIDUAL = ("unconfirmed", "confirmed", "hidden", "withdrawn")
ORGANIZATION = ("unconfirmed", "awaiting_approval", "approved", "rejected")
NEW = ("suspected", "invalidated")
HOLD_REASONS = ("rate_limit", "honeypot", "block_list")


def upgrade():
    for table in ('individual_signature', 'organization_signature'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('ip_hash', sa.String(length=32), nullable=True))
            batch_op.add_column(sa.Column('ip_prefix', sa.String(length=43), nullable=True))
            batch_op.add_column(sa.Column(
                'hold_reason', sa.Enum(*HOLD_REASONS, name='hold_reason', native_enum=False,
                                       create_constraint=True, length=32), nullable=True))
            batch_op.create_index(f'ix_{table}_ip_prefix',
                                  ['statement_id', 'ip_prefix', 'created_at'], unique=False)
    _replace_check('individual_signature', 'individual_status', INDIVIDUAL + NEW)
    _replace_check('organization_signature', 'organization_status', ORGANIZATION + NEW)


def _replace_check(table, name, values):
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'),
                                         sa.column('status').in_(values))


def downgrade():
    _replace_check('organization_signature', 'organization_status', ORGANIZATION)
    _replace_check('individual_signature', 'individual_status', INDIVIDUAL)
    for table in ('organization_signature', 'individual_signature'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f'ix_{table}_ip_prefix')
            batch_op.drop_constraint(op.f(f'ck_{table}_hold_reason'), type_='check')
            batch_op.drop_column('hold_reason')
            batch_op.drop_column('ip_prefix')
            batch_op.drop_column('ip_hash')
