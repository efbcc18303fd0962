"""moderation log: releasing and invalidating held signatures

Revision ID: 0012
Revises: 0009
Create Date: 2026-11-30 16:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0009'
branch_labels = None
depends_on = None

KINDS = ('approve', 'reject', 'undo', 'rename', 'hide', 'unhide')
NEW = ('release', 'invalidate')


def upgrade():
    _replace_check(KINDS + NEW)


def downgrade():
    op.execute(sa.text("DELETE FROM moderation_action WHERE kind IN ('release', 'invalidate')"))
    _replace_check(KINDS)


def _replace_check(values):
    with op.batch_alter_table('moderation_action', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_moderation_action_moderation_action_kind'),
                                 type_='check')
        batch_op.create_check_constraint(op.f('ck_moderation_action_moderation_action_kind'),
                                         sa.column('kind').in_(values))
