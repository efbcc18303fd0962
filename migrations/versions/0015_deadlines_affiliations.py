"""deadlines and affiliations: a statement's sign-on deadline, time zone and delivery
date; whether it asks individuals for an affiliation, its disclaimer, and how its
signatories are listed; an individual's affiliation

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa

import campaign.database


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    # Existing statements keep working as before: no deadline, affiliations off,
    # signatories listed in the order they signed.
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='UTC'))
        batch_op.add_column(sa.Column('signing_deadline', campaign.database.UTCDateTime(),
                                      nullable=True))
        batch_op.add_column(sa.Column('deadline_extended', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('delivery_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('asks_affiliation', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('affiliation_disclaimer', sa.String(length=300),
                                      nullable=True))
        batch_op.add_column(sa.Column(
            'signatory_grouping',
            sa.Enum('none', 'country', 'affiliation', name='signatory_grouping',
                    native_enum=False, create_constraint=True, length=32),
            nullable=False, server_default='none'))
    with op.batch_alter_table('individual_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('affiliation', sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table('individual_signature', schema=None) as batch_op:
        batch_op.drop_column('affiliation')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_statement_signatory_grouping'), type_='check')
        for column in ('signatory_grouping', 'affiliation_disclaimer', 'asks_affiliation',
                       'delivery_date', 'deadline_extended', 'signing_deadline', 'time_zone'):
            batch_op.drop_column(column)
