"""statement translations: a statement's source language, its translations part by part

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 19:00:00

"""
from alembic import op
import sqlalchemy as sa

import campaign.database


# revision identifiers, used by Alembic.
revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('statement_translation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=16), nullable=False),
    sa.Column('status', sa.Enum('draft', 'official', name='translation_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', campaign.database.UTCDateTime(), nullable=False),
    sa.Column('approved_at', campaign.database.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['statement_id'], ['statement.id'], name=op.f('fk_statement_translation_statement_id_statement'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statement_translation')),
    sa.UniqueConstraint('statement_id', 'language', name=op.f('uq_statement_translation_statement_id_language')),
    sqlite_autoincrement=True
    )
    op.create_table('translated_part',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('translation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('title', 'body', 'intro', 'demand', 'addressee', name='translation_part_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('key', sa.String(length=40), nullable=False),
    sa.Column('demand_group_id', sa.Integer(), nullable=True),
    sa.Column('demand_id', sa.Integer(), nullable=True),
    sa.Column('addressee_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('source_hash', sa.String(length=64), nullable=False),
    sa.Column('translated_at', campaign.database.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(kind IN ('title', 'body') AND demand_group_id IS NULL AND demand_id IS NULL AND addressee_id IS NULL) OR (kind = 'intro' AND demand_group_id IS NOT NULL) OR (kind = 'demand' AND demand_id IS NOT NULL) OR (kind = 'addressee' AND addressee_id IS NOT NULL)", name=op.f('ck_translated_part_part_has_its_source')),
    sa.ForeignKeyConstraint(['addressee_id'], ['addressee.id'], name=op.f('fk_translated_part_addressee_id_addressee'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['demand_group_id'], ['demand_group.id'], name=op.f('fk_translated_part_demand_group_id_demand_group'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['demand_id'], ['demand.id'], name=op.f('fk_translated_part_demand_id_demand'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['translation_id'], ['statement_translation.id'], name=op.f('fk_translated_part_translation_id_statement_translation'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_translated_part')),
    sa.UniqueConstraint('translation_id', 'key', name=op.f('uq_translated_part_translation_id_key')),
    sqlite_autoincrement=True
    )
    with op.batch_alter_table('translated_part', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_translated_part_addressee_id'), ['addressee_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_translated_part_demand_group_id'), ['demand_group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_translated_part_demand_id'), ['demand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_translated_part_translation_id'), ['translation_id'], unique=False)

    # Every statement so far was written in English, the only language there was.
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=16), server_default='en', nullable=False))



def downgrade():
    with op.batch_alter_table('statement', schema=None) as batch_op:
        batch_op.drop_column('language')

    with op.batch_alter_table('translated_part', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_translated_part_translation_id'))
        batch_op.drop_index(batch_op.f('ix_translated_part_demand_id'))
        batch_op.drop_index(batch_op.f('ix_translated_part_demand_group_id'))
        batch_op.drop_index(batch_op.f('ix_translated_part_addressee_id'))

    op.drop_table('translated_part')
    op.drop_table('statement_translation')
