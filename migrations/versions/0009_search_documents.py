"""Search documents: one stored full-text document per post, kept current by triggers (PostgreSQL).

Why: search p95 under 50 ms at 100,000 posts (docs/PERFORMANCE.md, "Search latency"). The PostgreSQL
backend matched three expression indexes (posts, official responses, comments) and recomputed
`to_tsvector` for every match to rank it: 2.8 s for a word in 48,000 posts. Now each post has one
stored tsvector: title (weight A), body (B), official responses (C) and visible comments (D), in
one GIN index, so a search is one index scan whatever the words. Beside it, the post's filters
(public, kind, status, category) and its votes as a level (floor(2·log2(votes + 1))), so a search
reads this table alone and takes a broad word's most voted matches along an index; the level
changes ~20 times on a post's way to 1,000 votes, so votes seldom rewrite a document row.

The document is written by the database itself, in the same transaction as the rows it is made
of: statement-level triggers (with transition tables, so a bulk COPY of 20,000 comments costs one
statement, not 20,000) on posts, comments and official responses, whatever writes them (the app,
`flask bench seed`, the demo loader, psql). A new visible comment is appended to its post's
document (no re-reading of a busy post's other comments); any other change (an edit, a hidden or
deleted comment, a response, a post's title or body) rebuilds the documents of the posts it
touches from the tables, `search_documents_for()`, which `flask search check | reindex` use as
well. A post hidden, deleted, moved or voted past a level has those columns copied (row trigger);
other UPDATEs of posts (counters, trending, activity) cost one WHEN test, no function call.

Comments are indexed up to COMMENT_CHARS characters per post (the earliest first; `comment_chars`
counts them all), title/body/responses up to 50,000. A tsvector holds at most 1 MB of lexemes (a
document past it would make every new comment on the post fail) and word positions up to 16,383
(~100,000 characters: phrases stay exact); and each new comment rewrites its post's document and
its GIN entries, ~10 ms for a post at the limit with ~7,000 distinct words.

On SQLite the table is created (empty and unused: the Whoosh backend keeps its own index) so the
models are the same on both databases; no index, function or trigger. The expression indexes of
0006 on comments and official responses are no longer read by search (ix_posts_search still
serves similar posts); they are left for now (forum/models/__init__.py imports their names).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-26 00:45:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

COMMENT_CHARS = 100000  # also in forum/models/search.py

FUNCTIONS = f"""
-- A post's votes on a scale of halved powers of two (0, 1, 2, 3, 4, 6, 8, 11, 16, 23, 32 ... votes):
-- search takes the most voted matches of a broad word by it. It changes about twenty times on a
-- post's way to 1,000 votes, so a vote seldom rewrites the post's document row (and its GIN entries).
CREATE FUNCTION search_vote_level(votes integer) RETURNS smallint
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT floor(2 * log(2.0, greatest(votes, 0) + 1))::smallint
$$;

-- The documents of these posts, as search_documents must hold them. Read post by post (LATERAL,
-- through the post_id indexes): the planner cannot know an array parameter's size, and a join it
-- planned for ten posts would be quadratic for the 100,000 of a backfill.
CREATE FUNCTION search_documents_for(post_ids integer[])
RETURNS TABLE (post_id integer, document tsvector, comment_chars integer, public boolean, kind varchar,
               status varchar, category_id integer, vote_level smallint)
LANGUAGE sql STABLE AS $$
    SELECT p.id,
           setweight(to_tsvector('english'::regconfig, left(p.title, 500)), 'A')
           || setweight(to_tsvector('english'::regconfig, left(p.body, 30000)), 'B')
           || setweight(to_tsvector('english'::regconfig, left(coalesce(r.text, ''), 20000)), 'C')
           || setweight(to_tsvector('english'::regconfig, coalesce(s.text, '')), 'D'),
           coalesce(s.chars, 0)::integer,
           p.deleted_at IS NULL AND NOT p.is_hidden, p.kind, p.status, p.category_id,
           search_vote_level(p.vote_count)
    FROM (SELECT DISTINCT unnest(post_ids) AS id) AS ids
    JOIN posts p ON p.id = ids.id
    CROSS JOIN LATERAL (
        SELECT string_agg(o.body, E'\n' ORDER BY o.id) AS text
        FROM official_responses o
        WHERE o.post_id = p.id
    ) AS r
    CROSS JOIN LATERAL (
        SELECT string_agg(v.body, E'\n' ORDER BY v.id) FILTER (WHERE v.running <= {COMMENT_CHARS}) AS text,
               max(v.running) AS chars
        FROM (
            SELECT c.id, c.body, sum(length(c.body) + 1) OVER (ORDER BY c.id) AS running
            FROM comments c
            WHERE c.post_id = p.id AND c.deleted_at IS NULL AND NOT c.is_hidden
        ) AS v
    ) AS s
$$;

-- Rebuild these posts' documents from the tables (and add the missing ones).
CREATE FUNCTION search_documents_refresh(post_ids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF post_ids IS NULL OR cardinality(post_ids) = 0 THEN
        RETURN;
    END IF;
    -- Lock the rows first, in id order (two refreshes never deadlock), and only then read the
    -- tables: a comment another transaction committed while this one waited is read too.
    PERFORM 1 FROM search_documents d WHERE d.post_id IN (SELECT unnest(post_ids))
    ORDER BY d.post_id FOR UPDATE;
    INSERT INTO search_documents AS d
        (post_id, document, comment_chars, public, kind, status, category_id, vote_level)
    SELECT f.* FROM search_documents_for(post_ids) f
    ON CONFLICT (post_id) DO UPDATE
        SET document = excluded.document, comment_chars = excluded.comment_chars, public = excluded.public,
            kind = excluded.kind, status = excluded.status, category_id = excluded.category_id,
            vote_level = excluded.vote_level
        WHERE (d.document, d.comment_chars, d.public, d.kind, d.status, d.category_id, d.vote_level)
              IS DISTINCT FROM (excluded.document, excluded.comment_chars, excluded.public, excluded.kind,
                                excluded.status, excluded.category_id, excluded.vote_level);
END $$;

CREATE FUNCTION search_documents_posts_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_documents_refresh(ARRAY(SELECT n.id FROM new_rows n));
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_post_edited() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM search_documents_refresh(ARRAY[NEW.id]);
    RETURN NULL;
END $$;

-- Visibility, kind, status, category or vote level: copied, the document is left as it is.
CREATE FUNCTION search_documents_post_moved() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE search_documents d
    SET public = NEW.deleted_at IS NULL AND NOT NEW.is_hidden, kind = NEW.kind, status = NEW.status,
        category_id = NEW.category_id, vote_level = search_vote_level(NEW.vote_count)
    WHERE d.post_id = NEW.id;
    RETURN NULL;
END $$;

-- New comments: appended to their post's document, without reading its other comments.
CREATE FUNCTION search_documents_comments_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Locked first (see search_documents_refresh), so comment_chars below is the latest one.
    PERFORM 1 FROM search_documents d
    WHERE d.post_id IN (SELECT n.post_id FROM new_rows n WHERE n.deleted_at IS NULL AND NOT n.is_hidden)
    ORDER BY d.post_id FOR UPDATE;
    WITH added AS (
        SELECT n.post_id, n.id, n.body,
               sum(length(n.body) + 1) OVER (PARTITION BY n.post_id ORDER BY n.id) AS running
        FROM new_rows n
        WHERE n.deleted_at IS NULL AND NOT n.is_hidden
    ), per_post AS (
        -- One group per post (a COPY of 20,000 comments: 20,000 rows, not 20,000 x 20,000).
        SELECT a.post_id, max(a.running) AS chars,
               string_agg(a.body, E'\n' ORDER BY a.id)
                   FILTER (WHERE d.comment_chars + a.running <= {COMMENT_CHARS}) AS text
        FROM added a JOIN search_documents d ON d.post_id = a.post_id
        GROUP BY a.post_id
    )
    UPDATE search_documents d
    SET comment_chars = d.comment_chars + p.chars,
        -- Left alone (the same value: the GIN index is not written) once the post is past the limit.
        document = CASE WHEN p.text IS NULL THEN d.document
                        ELSE d.document || setweight(to_tsvector('english'::regconfig, p.text), 'D') END
    FROM per_post p
    WHERE d.post_id = p.post_id;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_comments_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM search_documents_refresh(ARRAY(
            SELECT DISTINCT o.post_id FROM old_rows o WHERE o.deleted_at IS NULL AND NOT o.is_hidden
        ));
    ELSE
        PERFORM search_documents_refresh(ARRAY(
            SELECT x.post_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES (o.post_id), (n.post_id)) AS x (post_id)
            WHERE o.body IS DISTINCT FROM n.body OR o.is_hidden IS DISTINCT FROM n.is_hidden
               OR (o.deleted_at IS NULL) <> (n.deleted_at IS NULL) OR o.post_id <> n.post_id
            GROUP BY x.post_id
        ));
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION search_documents_responses_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM search_documents_refresh(ARRAY(SELECT DISTINCT n.post_id FROM new_rows n));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM search_documents_refresh(ARRAY(SELECT DISTINCT o.post_id FROM old_rows o));
    ELSE
        PERFORM search_documents_refresh(ARRAY(
            SELECT x.post_id
            FROM old_rows o JOIN new_rows n ON n.id = o.id
            CROSS JOIN LATERAL (VALUES (o.post_id), (n.post_id)) AS x (post_id)
            WHERE o.body IS DISTINCT FROM n.body OR o.post_id <> n.post_id
            GROUP BY x.post_id
        ));
    END IF;
    RETURN NULL;
END $$;

-- Compares documents whatever their positions: appending a comment and rebuilding from the
-- tables number the words of a comment after one that ends in stop words differently.
CREATE FUNCTION search_document_terms(document tsvector) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(string_agg(u.lexeme || ':' || array_to_string(
        ARRAY(SELECT DISTINCT w FROM unnest(u.weights) AS w ORDER BY w), ''), ' ' ORDER BY u.lexeme), '')
    FROM unnest(document) AS u
$$;
"""

TRIGGERS = [
    # (name, table, when, function)
    ("search_documents_posts_insert", "posts",
     "AFTER INSERT ON posts REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
     "search_documents_posts_inserted"),
    # Row level with a WHEN: the vote and comment counters update posts all day long.
    ("search_documents_posts_update", "posts",
     "AFTER UPDATE OF title, body ON posts FOR EACH ROW "
     "WHEN (OLD.title IS DISTINCT FROM NEW.title OR OLD.body IS DISTINCT FROM NEW.body)",
     "search_documents_post_edited"),
    ("search_documents_posts_filters", "posts",
     "AFTER UPDATE OF deleted_at, is_hidden, kind, status, category_id, vote_count ON posts FOR EACH ROW "
     "WHEN ((OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL) OR OLD.is_hidden <> NEW.is_hidden "
     "OR OLD.kind <> NEW.kind OR OLD.status <> NEW.status OR OLD.category_id <> NEW.category_id "
     "OR search_vote_level(OLD.vote_count) <> search_vote_level(NEW.vote_count))",
     "search_documents_post_moved"),
    ("search_documents_comments_insert", "comments",
     "AFTER INSERT ON comments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
     "search_documents_comments_inserted"),
    ("search_documents_comments_update", "comments",
     "AFTER UPDATE ON comments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
     "search_documents_comments_changed"),
    ("search_documents_comments_delete", "comments",
     "AFTER DELETE ON comments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
     "search_documents_comments_changed"),
    ("search_documents_responses_insert", "official_responses",
     "AFTER INSERT ON official_responses REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT",
     "search_documents_responses_changed"),
    ("search_documents_responses_update", "official_responses",
     "AFTER UPDATE ON official_responses REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
     "FOR EACH STATEMENT",
     "search_documents_responses_changed"),
    ("search_documents_responses_delete", "official_responses",
     "AFTER DELETE ON official_responses REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT",
     "search_documents_responses_changed"),
]

FUNCTION_NAMES = [
    "search_document_terms(tsvector)",
    "search_documents_responses_changed()",
    "search_documents_comments_changed()",
    "search_documents_comments_inserted()",
    "search_documents_post_moved()",
    "search_documents_post_edited()",
    "search_documents_posts_inserted()",
    "search_documents_refresh(integer[])",
    "search_documents_for(integer[])",
    "search_vote_level(integer)",
]
# The most voted matches of a word, read in this order: alone, or behind a status or category filter.
ORDER_INDEXES = [
    ("ix_search_documents_vote_level", ["vote_level", "post_id"]),
    ("ix_search_documents_status_vote_level", ["status", "vote_level", "post_id"]),
    ("ix_search_documents_category_vote_level", ["category_id", "vote_level", "post_id"]),
]


def upgrade():
    op.create_table('search_documents',
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('document', TSVECTOR().with_variant(sa.Text(), 'sqlite'), nullable=False),
    sa.Column('comment_chars', sa.Integer(), nullable=False),
    sa.Column('public', sa.Boolean(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=False),
    sa.Column('vote_level', sa.SmallInteger(), nullable=False),
    sa.ForeignKeyConstraint(['post_id'], ['posts.id'], name=op.f('fk_search_documents_post_id_posts'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('post_id', name=op.f('pk_search_documents'))
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS)
    for name, _table, when, function in TRIGGERS:
        op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
    # Backfill, then the index (one build is faster than 100,000 inserts into it).
    op.execute("INSERT INTO search_documents SELECT f.* FROM search_documents_for(ARRAY(SELECT id FROM posts)) f")
    op.create_index('ix_search_documents_document', 'search_documents', ['document'], postgresql_using='gin')
    for name, columns in ORDER_INDEXES:
        op.create_index(name, 'search_documents', columns)
    # A parallel worker takes ~10 ms to start on a busy 2-core machine: more than a whole search.
    op.execute("ALTER TABLE search_documents SET (parallel_workers = 0)")
    op.execute("ANALYZE search_documents")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _when, _function in TRIGGERS:
            op.execute(f"DROP TRIGGER {name} ON {table}")
        for function in FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION {function}")
        for name, _columns in ORDER_INDEXES:
            op.drop_index(name, table_name='search_documents')
        op.drop_index('ix_search_documents_document', table_name='search_documents')
    op.drop_table('search_documents')
