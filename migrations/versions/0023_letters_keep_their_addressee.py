"""letters: an addressee who was sent a letter cannot be removed, and the letter with it

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 15:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint('fk_letter_addressee_id_addressee', type_='foreignkey')
        batch_op.create_foreign_key('fk_letter_addressee_id_addressee', 'addressee',
                                    ['addressee_id'], ['id'])


def downgrade():
    with op.batch_alter_table('letter', schema=None) as batch_op:
        batch_op.drop_constraint('fk_letter_addressee_id_addressee', type_='foreignkey')
        batch_op.create_foreign_key('fk_letter_addressee_id_addressee', 'addressee',
                                    ['addressee_id'], ['id'], ondelete='CASCADE')
