"""Official responses can be edited: when, and every earlier version.

Why: issue 27. Staff had no way to correct a published official answer. An edit keeps the text it
replaces as a revision (nothing typed is lost) and marks the response edited, so the post's page and
its timeline can say so.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07 05:55:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('official_responses', sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    op.create_table('response_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('editor_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['official_responses.id'],
                            name=op.f('fk_response_revisions_response_id_official_responses')),
    sa.ForeignKeyConstraint(['editor_id'], ['users.id'], name=op.f('fk_response_revisions_editor_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_revisions'))
    )
    with op.batch_alter_table('response_revisions', schema=None) as batch_op:
        batch_op.create_index('ix_response_revisions_response_id', ['response_id'], unique=False)


def downgrade():
    with op.batch_alter_table('response_revisions', schema=None) as batch_op:
        batch_op.drop_index('ix_response_revisions_response_id')
    op.drop_table('response_revisions')
    # Not a batch: on SQLite a batch rebuilds the table, which the search triggers on it refer to;
    # SQLite drops a column itself since 3.35.
    op.drop_column('official_responses', 'edited_at')
