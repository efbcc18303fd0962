"""address book: each entry belongs to one coordinator

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00

Until now every coordinator saw and edited every entry. Each existing entry goes to
the coordinators who used it: those on the team of a statement with an addressee
made from it, each getting their own copy (the lowest id keeps the row itself, so
that the addressees' links stay). An entry no statement used goes, copied, to every
coordinator, since each of them could open it until now and nobody knows who made
it. From now on, a change to one copy changes only its owner's book.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COPIED = ('name', 'role', 'email', 'language', 'created_at')


def upgrade():
    links = _addressee_links()
    with op.batch_alter_table('address_book_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('coordinator_id', sa.Integer(), nullable=True))
        # Copies share their name, so the old constraint goes before they are made.
        batch_op.drop_constraint(batch_op.f('uq_address_book_entry_name'), type_='unique')

    _assign_owners(op.get_bind(), links)

    with op.batch_alter_table('address_book_entry', schema=None) as batch_op:
        batch_op.alter_column('coordinator_id', existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint(
            batch_op.f('uq_address_book_entry_coordinator_id_name'), ['coordinator_id', 'name'])
        batch_op.create_index(batch_op.f('ix_address_book_entry_coordinator_id'),
                              ['coordinator_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_address_book_entry_coordinator_id_coordinator'), 'coordinator',
            ['coordinator_id'], ['id'], ondelete='CASCADE')
    _restore(links)


def _addressee_links():
    """Which entry each addressee came from. On SQLite, batch mode copies the table
    and drops the old one, and with foreign keys on that drop sets every addressee's
    link to NULL (ON DELETE SET NULL); the links are put back afterwards."""
    return op.get_bind().execute(sa.text(
        'SELECT id, book_entry_id FROM addressee WHERE book_entry_id IS NOT NULL')).all()


def _restore(links):
    connection = op.get_bind()
    for addressee_id, entry_id in links:
        connection.execute(sa.text(
            'UPDATE addressee SET book_entry_id = :entry WHERE id = :id AND EXISTS '
            '(SELECT 1 FROM address_book_entry WHERE id = :entry)'),
            {'entry': entry_id, 'id': addressee_id})


def _assign_owners(connection, links):
    entry = sa.table('address_book_entry', sa.column('id'), sa.column('coordinator_id'),
                     *(sa.column(name) for name in COPIED))
    addressee = sa.table('addressee', sa.column('id'), sa.column('statement_id'))
    member = sa.table('statement_team_member', sa.column('statement_id'),
                      sa.column('coordinator_id'))
    everyone = [row.id for row in connection.execute(
        sa.text('SELECT id FROM coordinator ORDER BY id'))]
    team_of_addressee = {}
    for addressee_id, coordinator_id in connection.execute(
            sa.select(addressee.c.id, member.c.coordinator_id)
            .join(member, member.c.statement_id == addressee.c.statement_id)):
        team_of_addressee.setdefault(addressee_id, set()).add(coordinator_id)
    users = {}
    for addressee_id, entry_id in links:
        users.setdefault(entry_id, set()).update(team_of_addressee.get(addressee_id, ()))

    for row in connection.execute(sa.select(entry)).mappings().all():
        owners = sorted(users.get(row['id']) or everyone)
        if not owners:
            # No coordinator exists to own it; none could ever open it again.
            connection.execute(sa.delete(entry).where(entry.c.id == row['id']))
            continue
        connection.execute(sa.update(entry).where(entry.c.id == row['id'])
                           .values(coordinator_id=owners[0]))
        for owner in owners[1:]:
            connection.execute(sa.insert(entry).values(
                coordinator_id=owner, **{name: row[name] for name in COPIED}))


def downgrade():
    # One shared book again: of entries with the same name, the oldest stays.
    links = _addressee_links()
    connection = op.get_bind()
    duplicates = sa.text(
        'SELECT id FROM address_book_entry AS e WHERE EXISTS (SELECT 1 FROM '
        'address_book_entry AS o WHERE o.name = e.name AND o.id < e.id)')
    ids = [row.id for row in connection.execute(duplicates)]
    if ids:  # their addressees lose the link (ON DELETE SET NULL)
        connection.execute(sa.text('DELETE FROM address_book_entry WHERE id IN :ids')
                           .bindparams(sa.bindparam('ids', expanding=True)), {'ids': ids})
    with op.batch_alter_table('address_book_entry', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_address_book_entry_coordinator_id_coordinator'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_address_book_entry_coordinator_id'))
        batch_op.drop_constraint(batch_op.f('uq_address_book_entry_coordinator_id_name'),
                                 type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_address_book_entry_name'), ['name'])
        batch_op.drop_column('coordinator_id')
    _restore(links)
