"""invitations: one open invitation per address and team, and when it was last mailed

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 19:05:00

"""
from alembic import op
import sqlalchemy as sa

import campaign.database


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

_OPEN = sa.text("accepted_at IS NULL")


def upgrade():
    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_at', campaign.database.UTCDateTime(),
                                      nullable=True))
    op.execute("UPDATE team_invitation SET sent_at = created_at")
    # Two requests at once could store two open invitations for one address, and
    # inviting again renewed either. The one mailed last expires last (its mailing
    # time and a constant): it is the one kept, whose link the invitee holds.
    op.execute("""
        DELETE FROM team_invitation
        WHERE accepted_at IS NULL AND EXISTS (
          SELECT 1 FROM team_invitation AS later
          WHERE later.team_id = team_invitation.team_id
            AND later.email = team_invitation.email AND later.accepted_at IS NULL
            AND (later.expires_at > team_invitation.expires_at
                 OR (later.expires_at = team_invitation.expires_at
                     AND later.id > team_invitation.id)))
    """)
    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.alter_column('sent_at', existing_type=campaign.database.UTCDateTime(),
                              nullable=False)
        batch_op.create_index('uq_team_invitation_open', ['team_id', 'email'], unique=True,
                              postgresql_where=_OPEN, sqlite_where=_OPEN)


def downgrade():
    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.drop_index('uq_team_invitation_open', postgresql_where=_OPEN,
                            sqlite_where=_OPEN)
        batch_op.drop_column('sent_at')
