"""outbox: mail sent, given up or cancelled keeps no working link in its context

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 22:20:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None

# campaign.outbox.models.CAPABILITY_CONTEXT_KEYS as it is at this revision.
_KEYS = ('token', 'link_secret', 'signer_page_url')
_DONE = "status IN ('sent', 'failed', 'cancelled')"


def upgrade():
    # From now on the transitions forget them (OutboxMessage._forget_capabilities);
    # mail that left before keeps its links in every backup until this runs.
    if op.get_bind().dialect.name == 'postgresql':
        removed = ' - '.join(f"'{key}'" for key in _KEYS)
        op.execute(f"UPDATE outbox_message SET context = (context::jsonb - {removed})::json "
                   f"WHERE {_DONE} AND json_typeof(context) = 'object'")
    else:
        paths = ', '.join(f"'$.{key}'" for key in _KEYS)
        op.execute(f"UPDATE outbox_message SET context = json_remove(context, {paths}) "
                   f"WHERE {_DONE} AND json_type(context) = 'object'")


def downgrade():
    # What was forgotten cannot be put back, and nothing needs it.
    pass
