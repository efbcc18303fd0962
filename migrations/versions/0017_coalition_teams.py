"""coalition teams: a team owns many statements; coordinators have a time zone

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 17:00:00

Each statement had its own team (statement_team_member). Statements whose teams had
the same members become the statements of one team, so a coalition that re-invited
its people for every statement finds them all together, and nobody loses access to
a statement they could open before. The owner of each team is the member who was on
it first. A statement with open invitations but no member gets a team with no owner
yet: whoever accepts first becomes its owner.
"""
from alembic import op
import sqlalchemy as sa

import campaign.database


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TEAM_NAME_LENGTH = 200

statement = sa.table('statement', sa.column('id'), sa.column('title'),
                     sa.column('created_at'), sa.column('team_id'))
old_member = sa.table('statement_team_member', sa.column('statement_id'),
                      sa.column('coordinator_id'), sa.column('added_at'))
team = sa.table('team', sa.column('id'), sa.column('name'), sa.column('owner_id'),
                sa.column('created_at'))
member = sa.table('team_member', sa.column('team_id'), sa.column('coordinator_id'),
                  sa.column('added_at'))
invitation = sa.table('team_invitation', sa.column('id'), sa.column('statement_id'),
                      sa.column('team_id'))
coordinator = sa.table('coordinator', sa.column('id'), sa.column('name'))


def upgrade():
    op.create_table(
        'team',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=TEAM_NAME_LENGTH), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=True),
        sa.Column('created_at', campaign.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['coordinator.id'],
                                name=op.f('fk_team_owner_id_coordinator'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_team')),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_owner_id'), ['owner_id'], unique=False)
    op.create_table(
        'team_member',
        sa.Column('team_id', sa.Integer(), nullable=False),
        sa.Column('coordinator_id', sa.Integer(), nullable=False),
        sa.Column('added_at', campaign.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['coordinator_id'], ['coordinator.id'],
                                name=op.f('fk_team_member_coordinator_id_coordinator'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['team_id'], ['team.id'],
                                name=op.f('fk_team_member_team_id_team'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('team_id', 'coordinator_id', name=op.f('pk_team_member')),
    )
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_team_member_coordinator_id'), ['coordinator_id'],
                              unique=False)
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_statement_team_id'), ['team_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_statement_team_id_team'), 'team',
                                    ['team_id'], ['id'], ondelete='RESTRICT')
    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('time_zone', sa.String(length=64), nullable=False,
                                      server_default='UTC'))
    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('team_id', sa.Integer(), nullable=True))

    _teams_from_statement_teams(op.get_bind())

    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.drop_index('ix_team_invitation_statement_id')
        batch_op.drop_constraint('fk_team_invitation_statement_id_statement', type_='foreignkey')
        batch_op.drop_column('statement_id')
        batch_op.alter_column('team_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_team_invitation_team_id'), ['team_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_team_invitation_team_id_team'), 'team',
                                    ['team_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('statement_team_member', schema=None) as batch_op:
        batch_op.drop_index('ix_statement_team_member_coordinator_id')
    op.drop_table('statement_team_member')


def _teams_from_statement_teams(connection):
    members_of = {}  # statement id -> {coordinator id: added_at}
    for statement_id, coordinator_id, added_at in connection.execute(
            sa.select(old_member.c.statement_id, old_member.c.coordinator_id,
                      old_member.c.added_at)):
        members_of.setdefault(statement_id, {})[coordinator_id] = added_at
    statements = connection.execute(
        sa.select(statement.c.id, statement.c.title, statement.c.created_at)
        .order_by(statement.c.created_at, statement.c.id)).all()
    names = dict(connection.execute(sa.select(coordinator.c.id, coordinator.c.name)).all())
    invited = {row.statement_id for row in connection.execute(
        sa.select(invitation.c.statement_id).distinct())}

    # Statements with the same members share one team, in the order they were made.
    groups = {}
    for row in statements:
        members = members_of.get(row.id, {})
        if members:
            groups.setdefault(frozenset(members), []).append(row)
        elif row.id in invited:
            groups[('no members', row.id)] = [row]
    owned = {}
    for key, rows in groups.items():
        members = {}
        for row in rows:
            for coordinator_id, added_at in members_of.get(row.id, {}).items():
                if coordinator_id not in members or added_at < members[coordinator_id]:
                    members[coordinator_id] = added_at
        owner = min(members, key=lambda coordinator_id: (members[coordinator_id],
                                                         coordinator_id)) if members else None
        owned.setdefault(owner, []).append((rows, members))
    for owner, teams in owned.items():
        for rows, members in teams:
            # A coordinator who owns one team finds it under their name; several are
            # told apart by their oldest statement.
            name = names[owner] if owner is not None and len(teams) == 1 else rows[0].title
            team_id = connection.execute(sa.insert(team).values(
                name=name[:TEAM_NAME_LENGTH], owner_id=owner,
                created_at=min(row.created_at for row in rows)
            ).returning(team.c.id)).scalar_one()
            for coordinator_id, added_at in members.items():
                connection.execute(sa.insert(member).values(
                    team_id=team_id, coordinator_id=coordinator_id, added_at=added_at))
            ids = [row.id for row in rows]
            connection.execute(sa.update(statement).where(statement.c.id.in_(ids))
                               .values(team_id=team_id))
            connection.execute(sa.update(invitation).where(invitation.c.statement_id.in_(ids))
                               .values(team_id=team_id))
    # Only invitations of deleted statements are left, and the cascade took those.
    connection.execute(sa.delete(invitation).where(invitation.c.team_id.is_(None)))


def downgrade():
    op.create_table(
        'statement_team_member',
        sa.Column('statement_id', sa.Integer(), nullable=False),
        sa.Column('coordinator_id', sa.Integer(), nullable=False),
        sa.Column('added_at', campaign.database.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['coordinator_id'], ['coordinator.id'],
                                name=op.f('fk_statement_team_member_coordinator_id_coordinator'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['statement_id'], ['statement.id'],
                                name=op.f('fk_statement_team_member_statement_id_statement'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('statement_id', 'coordinator_id',
                                name=op.f('pk_statement_team_member')),
    )
    with op.batch_alter_table('statement_team_member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statement_team_member_coordinator_id'),
                              ['coordinator_id'], unique=False)
    connection = op.get_bind()
    # Every member of a team is on the team of each of its statements.
    connection.execute(sa.insert(old_member).from_select(
        ['statement_id', 'coordinator_id', 'added_at'],
        sa.select(statement.c.id, member.c.coordinator_id, member.c.added_at)
        .join(member, member.c.team_id == statement.c.team_id)))
    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('statement_id', sa.Integer(), nullable=True))
    # An invitation went to one statement's team: the team's oldest statement.
    for team_id, in connection.execute(sa.select(invitation.c.team_id).distinct()).all():
        first = connection.execute(
            sa.select(statement.c.id).where(statement.c.team_id == team_id)
            .order_by(statement.c.created_at, statement.c.id).limit(1)).scalar()
        connection.execute(sa.update(invitation).where(invitation.c.team_id == team_id)
                           .values(statement_id=first))
    connection.execute(sa.delete(invitation).where(invitation.c.statement_id.is_(None)))
    with op.batch_alter_table('team_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_invitation_team_id'))
        batch_op.drop_constraint(batch_op.f('fk_team_invitation_team_id_team'),
                                 type_='foreignkey')
        batch_op.drop_column('team_id')
        batch_op.alter_column('statement_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index('ix_team_invitation_statement_id', ['statement_id'], unique=False)
        batch_op.create_foreign_key('fk_team_invitation_statement_id_statement', 'statement',
                                    ['statement_id'], ['id'], ondelete='CASCADE')
    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.drop_column('time_zone')
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_statement_team_id_team'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_statement_team_id'))
        batch_op.drop_column('team_id')
    with op.batch_alter_table('team_member', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_member_coordinator_id'))
    op.drop_table('team_member')
    with op.batch_alter_table('team', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_team_owner_id'))
    op.drop_table('team')
