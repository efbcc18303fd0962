"""logos and the coalition's voice: organizations' logos, a statement's sender name
and letterhead choice, and each group's salutation, covering note and closing

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 17:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

GROUP_TEXTS = ('letter_salutation', 'letter_note', 'letter_closing')


def upgrade():
    # Every column may be empty: a statement as it was keeps the instance's sender
    # name, no logos, and the letter's wording in the addressee's language.
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sender_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('letter_logos', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('demand_group', schema=None) as batch_op:
        for column in GROUP_TEXTS:
            batch_op.add_column(sa.Column(column, sa.Text(), nullable=True))
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('logo', sa.String(length=80), nullable=True))
        batch_op.create_index('ix_organization_signature_logo', ['logo'], unique=False)


def downgrade():
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_signature_logo')
        batch_op.drop_column('logo')
    with op.batch_alter_table('demand_group', schema=None) as batch_op:
        for column in reversed(GROUP_TEXTS):
            batch_op.drop_column(column)
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_column('letter_logos')
        batch_op.drop_column('sender_name')
