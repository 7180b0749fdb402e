"""Custom statuses, tags and release notes.

Why: issue 27, points 5 to 7. Admins name their own statuses, each of one fixed kind (open, review,
active, done, declined) that every rule asks instead of a list of slugs; the six statuses of before
are the seed, under the same slugs, so posts keep their `status` column as it is and every URL and
filter keeps working (`duplicate` stays what it was: reached only by merging, not in the table).
A timeline entry keeps the labels it had when it was written. Staff label posts with tags, and
write release notes that name the posts they ship.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 11:30:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

# (slug, label, kind, color, position, show_on_roadmap): the statuses every post had before. Colours are
# names from a palette the stylesheet defines (the Content-Security-Policy allows no inline style).
SEED = [
    ('open', 'Open', 'open', 'gray', 0, True),
    ('under_review', 'Under review', 'review', 'amber', 1, True),
    ('planned', 'Planned', 'active', 'indigo', 2, True),
    ('in_progress', 'In progress', 'active', 'blue', 3, True),
    ('done', 'Done', 'done', 'green', 4, True),
    ('declined', 'Declined', 'declined', 'red', 5, False),
]
LABELS = {slug: label for slug, label, *_ in SEED} | {'duplicate': 'Duplicate'}

COMMENT_CHARS = 100000  # as in migration 0009
# PostgreSQL's search documents (migration 0009) take a post's tag names beside its title (weight A),
# so a search for a tag finds the posts it labels; a tag added or removed refreshes the post's document.
SEARCH_FOR = """
CREATE OR REPLACE FUNCTION search_documents_for(post_ids integer[])
RETURNS TABLE (post_id integer, document tsvector, comment_chars integer, public boolean, kind varchar,
               status varchar, category_id integer, vote_level smallint)
LANGUAGE sql STABLE AS $$
    SELECT p.id,
           setweight(to_tsvector('english'::regconfig, left(p.title, 500){tags}), 'A')
           || setweight(to_tsvector('english'::regconfig, left(p.body, 30000)), 'B')
           || setweight(to_tsvector('english'::regconfig, left(coalesce(r.text, ''), 20000)), 'C')
           || setweight(to_tsvector('english'::regconfig, coalesce(s.text, '')), 'D'),
           coalesce(s.chars, 0)::integer,
           p.deleted_at IS NULL AND NOT p.is_hidden, p.kind, p.status, p.category_id,
           search_vote_level(p.vote_count)
    FROM (SELECT DISTINCT unnest(post_ids) AS id) AS ids
    JOIN posts p ON p.id = ids.id
    CROSS JOIN LATERAL (
        SELECT string_agg(o.body, E'\\n' ORDER BY o.id) AS text
        FROM official_responses o
        WHERE o.post_id = p.id
    ) AS r
    CROSS JOIN LATERAL (
        SELECT string_agg(v.body, E'\\n' ORDER BY v.id) FILTER (WHERE v.running <= {comment_chars}) AS text,
               max(v.running) AS chars
        FROM (
            SELECT c.id, c.body, sum(length(c.body) + 1) OVER (ORDER BY c.id) AS running
            FROM comments c
            WHERE c.post_id = p.id AND c.deleted_at IS NULL AND NOT c.is_hidden
        ) AS v
    ) AS s{tags_join}
$$;
"""
TAGS = " || ' ' || coalesce(t.text, '')"
TAGS_JOIN = """
    CROSS JOIN LATERAL (
        SELECT string_agg(g.name, ' ' ORDER BY g.name) AS text
        FROM post_tags pt JOIN tags g ON g.id = pt.tag_id
        WHERE pt.post_id = p.id
    ) AS t"""
TAG_TRIGGERS = """
CREATE FUNCTION search_documents_tags_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM search_documents_refresh(ARRAY(SELECT DISTINCT n.post_id FROM new_rows n));
    ELSE
        PERFORM search_documents_refresh(ARRAY(SELECT DISTINCT o.post_id FROM old_rows o));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER search_documents_post_tags_insert AFTER INSERT ON post_tags
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION search_documents_tags_changed();
CREATE TRIGGER search_documents_post_tags_delete AFTER DELETE ON post_tags
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION search_documents_tags_changed();
"""


def upgrade():
    statuses = op.create_table('statuses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=20), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('color', sa.String(length=20), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('show_on_roadmap', sa.Boolean(), nullable=False),
    sa.Column('archived_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_statuses')),
    sa.UniqueConstraint('slug', name=op.f('uq_statuses_slug'))
    )
    op.bulk_insert(statuses, [
        {'slug': slug, 'label': label, 'kind': kind, 'color': color, 'position': position,
         'show_on_roadmap': shown, 'archived_at': None}
        for slug, label, kind, color, position, shown in SEED
    ])
    op.create_table('tags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('color', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tags')),
    sa.UniqueConstraint('slug', name=op.f('uq_tags_slug'))
    )
    op.create_table('post_tags',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_post_tags_post_id_posts')),
    sa.ForeignKeyConstraint(['tag_id'], ['tags.id'], name=op.f('fk_post_tags_tag_id_tags')),
    sa.PrimaryKeyConstraint('post_id', 'tag_id', name=op.f('pk_post_tags'))
    )
    op.create_index('ix_post_tags_tag_id', 'post_tags', ['tag_id'], unique=False)
    op.create_table('release_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('released_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_release_notes_author_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_release_notes'))
    )
    op.create_index('ix_release_notes_released_at', 'release_notes', ['released_at', 'id'], unique=False)
    op.create_table('release_note_posts',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['release_notes.id'], name=op.f('fk_release_note_posts_note_id_release_notes')),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_release_note_posts_post_id_posts')),
    sa.PrimaryKeyConstraint('note_id', 'post_id', name=op.f('pk_release_note_posts'))
    )
    op.create_index('ix_release_note_posts_post_id', 'release_note_posts', ['post_id'], unique=False)
    op.add_column('status_changes', sa.Column('from_label', sa.String(length=40), nullable=True))
    op.add_column('status_changes', sa.Column('to_label', sa.String(length=40), nullable=True))
    # The entries written so far keep the labels their statuses had then.
    changes = sa.table('status_changes', sa.column('from_status', sa.String), sa.column('to_status', sa.String),
                       sa.column('from_label', sa.String), sa.column('to_label', sa.String))
    for slug, label in LABELS.items():
        op.execute(changes.update().where(changes.c.from_status == slug).values(from_label=label))
        op.execute(changes.update().where(changes.c.to_status == slug).values(to_label=label))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEARCH_FOR.format(tags=TAGS, tags_join=TAGS_JOIN, comment_chars=COMMENT_CHARS))
        op.execute(TAG_TRIGGERS)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER search_documents_post_tags_delete ON post_tags")
        op.execute("DROP TRIGGER search_documents_post_tags_insert ON post_tags")
        op.execute("DROP FUNCTION search_documents_tags_changed()")
        op.execute(SEARCH_FOR.format(tags="", tags_join="", comment_chars=COMMENT_CHARS))
    op.drop_column('status_changes', 'to_label')
    op.drop_column('status_changes', 'from_label')
    op.drop_index('ix_release_note_posts_post_id', table_name='release_note_posts')
    op.drop_table('release_note_posts')
    op.drop_index('ix_release_notes_released_at', table_name='release_notes')
    op.drop_table('release_notes')
    op.drop_index('ix_post_tags_tag_id', table_name='post_tags')
    op.drop_table('post_tags')
    op.drop_table('tags')
    op.drop_table('statuses')
