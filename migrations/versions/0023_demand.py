"""Votes recorded on a person's behalf, and placeholder accounts.

Why: issue 28. Staff record a request heard on the phone or in a meeting as a vote for the person who
asked: the vote keeps its source (self, on behalf, import), who recorded it, a note and a priority, so
that product teams see how much each request matters. An address without an account gets a
placeholder account (no password) that its owner claims by proving the address.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 11:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.String(length=20), server_default='self', nullable=False))
        batch_op.add_column(sa.Column('recorded_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('priority', sa.String(length=20), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_votes_recorded_by_id_users'), 'users', ['recorded_by_id'], ['id'])

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_placeholder', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('is_placeholder')

    with op.batch_alter_table('votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_votes_recorded_by_id_users'), type_='foreignkey')
        batch_op.drop_column('priority')
        batch_op.drop_column('note')
        batch_op.drop_column('recorded_by_id')
        batch_op.drop_column('source')
