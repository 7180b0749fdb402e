"""Search indexes for PostgreSQL, and merging duplicates.

Why: search by words (issue 5). On PostgreSQL the full-text search backend
reads GIN indexes over expressions (title weighted over body; official
responses; comments), so nothing has to be kept in step on write; SQLite
gets no such index (the Whoosh backend keeps its own index on disk).
Merging a duplicate into its original moves votes and followers: posts point
at their original (`merged_into_id`), `post_merges` records each merge and
`merge_moves` each vote or follow it moved, so that undoing it is exact.
Timeline entries name the merge they record (`status_changes.merge_id`).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

POST_VECTOR = (
    "(setweight(to_tsvector('english'::regconfig, title), 'A') || "
    "setweight(to_tsvector('english'::regconfig, body), 'B'))"
)


def upgrade():
    op.create_table('post_merges',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('duplicate_id', sa.Integer(), nullable=False),
    sa.Column('original_id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('undone_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_post_merges_actor_id_users')),
    sa.ForeignKeyConstraint(['duplicate_id'], ['posts.id'], name=op.f('fk_post_merges_duplicate_id_posts')),
    sa.ForeignKeyConstraint(['original_id'], ['posts.id'], name=op.f('fk_post_merges_original_id_posts')),
    sa.ForeignKeyConstraint(['undone_by_id'], ['users.id'], name=op.f('fk_post_merges_undone_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_post_merges'))
    )
    with op.batch_alter_table('post_merges', schema=None) as batch_op:
        batch_op.create_index('ix_post_merges_duplicate_id', ['duplicate_id'], unique=False)
        batch_op.create_index('ix_post_merges_original_id', ['original_id'], unique=False)

    op.create_table('merge_moves',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('merge_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('row_id', sa.Integer(), nullable=True),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['merge_id'], ['post_merges.id'], name=op.f('fk_merge_moves_merge_id_post_merges')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_merge_moves_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_merge_moves'))
    )
    with op.batch_alter_table('merge_moves', schema=None) as batch_op:
        batch_op.create_index('ix_merge_moves_merge_id', ['merge_id'], unique=False)

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.create_index('ix_posts_merged_into_id', ['merged_into_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_posts_merged_into_id_posts'), 'posts', ['merged_into_id'], ['id'])

    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merge_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_status_changes_merge_id_post_merges'), 'post_merges', ['merge_id'], ['id']
        )

    if op.get_bind().dialect.name == "postgresql":
        op.create_index('ix_posts_search', 'posts', [sa.text(POST_VECTOR)], postgresql_using='gin')
        op.create_index(
            'ix_official_responses_search', 'official_responses',
            [sa.text("to_tsvector('english'::regconfig, body)")], postgresql_using='gin',
        )
        op.create_index(
            'ix_comments_search', 'comments', [sa.text("to_tsvector('english'::regconfig, body)")],
            postgresql_using='gin',
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index('ix_comments_search', table_name='comments')
        op.drop_index('ix_official_responses_search', table_name='official_responses')
        op.drop_index('ix_posts_search', table_name='posts')

    with op.batch_alter_table('status_changes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_status_changes_merge_id_post_merges'), type_='foreignkey')
        batch_op.drop_column('merge_id')

    with op.batch_alter_table('posts', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_posts_merged_into_id_posts'), type_='foreignkey')
        batch_op.drop_index('ix_posts_merged_into_id')
        batch_op.drop_column('merged_into_id')

    with op.batch_alter_table('merge_moves', schema=None) as batch_op:
        batch_op.drop_index('ix_merge_moves_merge_id')

    op.drop_table('merge_moves')
    with op.batch_alter_table('post_merges', schema=None) as batch_op:
        batch_op.drop_index('ix_post_merges_original_id')
        batch_op.drop_index('ix_post_merges_duplicate_id')

    op.drop_table('post_merges')
