"""block and allow lists, bulk invalidations, e-mail domains, instance admins

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 13:52:11.443776

"""
from alembic import op
import sqlalchemy as sa

import campaign.database
from campaign.abuse.domains import email_domain


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('abuse_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=True),
    sa.Column('list_kind', sa.Enum('block', 'allow', name='list_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('target', sa.Enum('email', 'domain', 'ip_range', name='entry_target', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('value', sa.String(length=254), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', campaign.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint('length(value) > 0', name=op.f('ck_abuse_list_entry_value_not_empty')),
    sa.ForeignKeyConstraint(['created_by_id'], ['coordinator.id'], name=op.f('fk_abuse_list_entry_created_by_id_coordinator'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_abuse_list_entry_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_abuse_list_entry')),
    sa.UniqueConstraint('statement_id', 'list_kind', 'target', 'value', name=op.f('uq_abuse_list_entry_statement_id_list_kind_target_value'))
    )
    with op.batch_alter_table('abuse_list_entry', schema=None) as batch_op:
        batch_op.create_index('ix_abuse_list_entry_instance_unique', ['list_kind', 'target', 'value'], unique=True, postgresql_where=sa.text('statement_id IS NULL'), sqlite_where=sa.text('statement_id IS NULL'))

    op.create_table('invalidation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('ip_range', sa.String(length=43), nullable=True),
    sa.Column('email_domain', sa.String(length=253), nullable=True),
    sa.Column('name_pattern', sa.String(length=120), nullable=True),
    sa.Column('created_from', campaign.database.UTCDateTime(), nullable=True),
    sa.Column('created_to', campaign.database.UTCDateTime(), nullable=True),
    sa.Column('state', sa.Enum('queued', 'running', 'done', name='invalidation_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('individuals_invalidated', sa.Integer(), nullable=False),
    sa.Column('organizations_invalidated', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', campaign.database.UTCDateTime(), nullable=False),
    sa.Column('started_at', campaign.database.UTCDateTime(), nullable=True),
    sa.Column('finished_at', campaign.database.UTCDateTime(), nullable=True),
    sa.CheckConstraint('ip_range IS NOT NULL OR email_domain IS NOT NULL OR name_pattern IS NOT NULL OR created_from IS NOT NULL OR created_to IS NOT NULL', name=op.f('ck_invalidation_some_criterion')),
    sa.CheckConstraint('length(reason) > 0', name=op.f('ck_invalidation_reason_not_empty')),
    sa.ForeignKeyConstraint(['requested_by_id'], ['coordinator.id'], name=op.f('fk_invalidation_requested_by_id_coordinator'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_invalidation_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invalidation'))
    )
    with op.batch_alter_table('invalidation', schema=None) as batch_op:
        batch_op.create_index('ix_invalidation_statement_time', ['statement_id', 'created_at'], unique=False)

    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_admin', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('individual_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_domain', sa.String(length=253), nullable=True))
        batch_op.create_index('ix_individual_signature_email_domain', ['statement_id', 'email_domain', 'created_at'], unique=False)

    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.add_column(sa.Column('email_domain', sa.String(length=253), nullable=True))
        batch_op.create_index('ix_organization_signature_email_domain', ['statement_id', 'email_domain', 'created_at'], unique=False)

    _fill_email_domains('individual_signature', 'email')
    _fill_email_domains('organization_signature', 'contact_email')


BATCH = 1000


def _fill_email_domains(table_name, address_column):
    """In Python, a batch at a time: the domain is IDNA-encoded, which SQL cannot do."""
    table = sa.table(table_name, sa.column('id', sa.Integer), sa.column(address_column),
                     sa.column('email_domain'))
    connection = op.get_bind()
    last_id = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c[address_column])
            .where(table.c.id > last_id, table.c[address_column].is_not(None))
            .order_by(table.c.id).limit(BATCH)).all()
        if not rows:
            return
        connection.execute(
            table.update().where(table.c.id == sa.bindparam('row_id'))
            .values(email_domain=sa.bindparam('domain')),
            [{'row_id': row_id, 'domain': email_domain(address)} for row_id, address in rows])
        last_id = rows[-1][0]


def downgrade():
    with op.batch_alter_table('organization_signature', schema=None) as batch_op:
        batch_op.drop_index('ix_organization_signature_email_domain')
        batch_op.drop_column('email_domain')

    with op.batch_alter_table('individual_signature', schema=None) as batch_op:
        batch_op.drop_index('ix_individual_signature_email_domain')
        batch_op.drop_column('email_domain')

    with op.batch_alter_table('coordinator', schema=None) as batch_op:
        batch_op.drop_column('is_admin')

    with op.batch_alter_table('invalidation', schema=None) as batch_op:
        batch_op.drop_index('ix_invalidation_statement_time')

    op.drop_table('invalidation')
    with op.batch_alter_table('abuse_list_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_abuse_list_entry_instance_unique', postgresql_where=sa.text('statement_id IS NULL'), sqlite_where=sa.text('statement_id IS NULL'))

    op.drop_table('abuse_list_entry')
