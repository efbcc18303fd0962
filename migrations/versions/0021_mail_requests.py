"""mail requests: "send me my link" and forgotten passwords, answered by the worker

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 16:10:00

"""
from alembic import op
import sqlalchemy as sa

from campaign.database import UTCDateTime


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mail_request',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('statement_id', sa.Integer(), nullable=True),
        sa.Column('email', sa.String(length=254), nullable=False),
        sa.Column('created_at', UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['statement_id'], ['statement.id'],
                                name=op.f('fk_mail_request_statement_id_statement'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_request')),
    )
    op.create_index(op.f('ix_mail_request_statement_id'), 'mail_request', ['statement_id'])


def downgrade():
    op.drop_index(op.f('ix_mail_request_statement_id'), table_name='mail_request')
    op.drop_table('mail_request')
