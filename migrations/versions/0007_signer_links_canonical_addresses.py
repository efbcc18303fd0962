"""signatures: a secret in every signer link, canonical addresses; ids never reused

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 16:00:00

Every signature gets a random link secret, which its signer links carry from now
on: links mailed before this migration no longer open anything (the signer asks
for a new one on the statement's page).

An individual is one signer per mailbox (email_key, the canonical address), no
longer per spelling of the address. Rows made before under two spellings of one
mailbox both stay, with their links and counts: the first made keeps the plain key,
each later one gets its key followed by "#<its id>", which no address can be, so
a new submission from that mailbox finds the first.

On SQLite, the tables whose ids are in links or e-mails are rebuilt with
AUTOINCREMENT, so that an id once deleted is never handed out again. PostgreSQL's
sequences never reuse one. (migrations/env.py turns SQLite's foreign keys off while
tables are rebuilt: dropping a table would otherwise run its referrers' ON DELETE.)
"""
import secrets

from alembic import op
import sqlalchemy as sa

from campaign.text import address_key


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# Tables whose ids are in links or e-mails, besides the two signature tables.
LINKED_TABLES = ('outbox_message', 'statement_update', 'letter', 'reply',
                 'address_book_entry', 'addressee', 'demand_group', 'demand')
CHUNK = 2000


def _is_sqlite():
    return op.get_bind().dialect.name == 'sqlite'


def _rebuild_kwargs():
    return {'recreate': 'always', 'table_kwargs': {'sqlite_autoincrement': True}} \
        if _is_sqlite() else {}


def upgrade():
    with op.batch_alter_table('individual_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_secret', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('email_key', sa.String(length=300), nullable=True))
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('link_secret', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('contact_email_key', sa.String(length=300),
                                      nullable=True))

    _fill('individual_signature', 'email', 'email_key', one_per_statement=True)
    _fill('organization_signature', 'contact_email', 'contact_email_key',
          one_per_statement=False)

    with op.batch_alter_table('individual_signature', schema=None,
                              **_rebuild_kwargs()) as batch_op:
        batch_op.alter_column('link_secret', existing_type=sa.String(length=32),
                              nullable=False)
        batch_op.alter_column('email_key', existing_type=sa.String(length=300),
                              nullable=False)
        batch_op.drop_constraint('uq_individual_signature_statement_id_email', type_='unique')
        batch_op.create_unique_constraint('uq_individual_signature_statement_id_email_key',
                                          ['statement_id', 'email_key'])
    with op.batch_alter_table('organization_signature', schema=None,
                              **_rebuild_kwargs()) as batch_op:
        batch_op.alter_column('link_secret', existing_type=sa.String(length=32),
                              nullable=False)
    if _is_sqlite():
        for table in LINKED_TABLES:
            with op.batch_alter_table(table, schema=None, **_rebuild_kwargs()):
                pass


def _fill(table, address_column, key_column, *, one_per_statement):
    """A link secret for every row, and the key of its address; in chunks, in the
    order of (statement, id), so that the first row of a mailbox keeps the plain key."""
    bind = op.get_bind()
    rows = sa.table(table, sa.column('id'), sa.column('statement_id'),
                    sa.column(address_column), sa.column('link_secret'),
                    sa.column(key_column))
    write = sa.update(rows).where(rows.c.id == sa.bindparam('row_id')).values(
        link_secret=sa.bindparam('secret'), **{key_column: sa.bindparam('key')})
    seen, statement_id, last_id = set(), None, None
    while True:
        query = sa.select(rows.c.id, rows.c.statement_id, rows.c[address_column]).order_by(
            rows.c.statement_id, rows.c.id).limit(CHUNK)
        if last_id is not None:
            query = query.where(sa.tuple_(rows.c.statement_id, rows.c.id)
                                > sa.tuple_(sa.literal(statement_id), sa.literal(last_id)))
        chunk = bind.execute(query).all()
        if not chunk:
            return
        values = []
        for row_id, row_statement_id, address in chunk:
            if row_statement_id != statement_id:
                seen = set()
            key = None if address is None else address_key(address)
            if one_per_statement and key in seen:
                key = f'{key}#{row_id}'
            seen.add(key)
            values.append({'row_id': row_id, 'secret': secrets.token_urlsafe(16), 'key': key})
            statement_id, last_id = row_statement_id, row_id
        bind.execute(write, values)


def downgrade():
    # The other tables keep AUTOINCREMENT: it changes nothing an older version reads.
    plain = {'recreate': 'always', 'table_kwargs': {'sqlite_autoincrement': False}} \
        if _is_sqlite() else {}
    with op.batch_alter_table('organization_signature', schema=None, **plain) as batch_op:
        batch_op.drop_column('contact_email_key')
        batch_op.drop_column('link_secret')
    with op.batch_alter_table('individual_signature', schema=None, **plain) as batch_op:
        batch_op.drop_constraint('uq_individual_signature_statement_id_email_key',
                                 type_='unique')
        batch_op.create_unique_constraint('uq_individual_signature_statement_id_email',
                                          ['statement_id', 'email'])
        batch_op.drop_column('email_key')
        batch_op.drop_column('link_secret')
