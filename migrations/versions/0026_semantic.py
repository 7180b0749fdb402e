"""Post vectors for similar posts, themes and likely duplicates; pairs staff said are not duplicates.

Why: issue 31. Similar posts, merge suggestions and complaint themes rest on sentence vectors
(all-MiniLM-L6-v2), computed after commit and kept in the database so that every app server shares
them; `id` grows with each write so a server reads only what changed. Staff dismiss a likely
duplicate pair once, and it stays dismissed.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 11:20:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_vectors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('model', sa.String(length=80), nullable=False),
    sa.Column('vector', sa.LargeBinary(), nullable=False),
    sa.Column('text_sha256', sa.String(length=64), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_vectors_post_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_vectors')),
    sa.UniqueConstraint('post_id', 'model', name=op.f('uq_post_vectors_post_id')),
    sqlite_autoincrement=True,  # ids never reused: a server reads the rows above the last id it saw
    )
    op.create_index('ix_post_vectors_model_id', 'post_vectors', ['model', 'id'], unique=False)
    op.create_table('not_duplicates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('first_id', sa.Integer(), nullable=False),
    sa.Column('second_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('first_id < second_id', name=op.f('ck_not_duplicates_ordered')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_not_duplicates_actor_id_users')),
    sa.ForeignKeyConstraint(['first_id'], ['posts.id'], name=op.f('fk_not_duplicates_first_id_posts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['second_id'], ['posts.id'], name=op.f('fk_not_duplicates_second_id_posts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_not_duplicates')),
    sa.UniqueConstraint('first_id', 'second_id', name=op.f('uq_not_duplicates_first_id'))
    )
    op.create_index('ix_not_duplicates_second_id', 'not_duplicates', ['second_id'], unique=False)


def downgrade():
    op.drop_index('ix_not_duplicates_second_id', table_name='not_duplicates')
    op.drop_table('not_duplicates')
    op.drop_index('ix_post_vectors_model_id', table_name='post_vectors')
    op.drop_table('post_vectors')
