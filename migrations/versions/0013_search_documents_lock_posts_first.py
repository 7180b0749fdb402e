"""Search documents: a trigger locks the post before its document, as a vote does (PostgreSQL).

Why: a comment and a vote on one post at once could deadlock. A comment's INSERT fires the trigger
that appends it to the post's search document (the document row locked), and the comment then
updates the post's counter (the post row); a vote updates the post's counter first (the post row)
and, when it passes a vote level, its row trigger copies the level into the document (the document
row). Two locks taken in opposite orders: PostgreSQL found the cycle after deadlock_timeout (1 s)
and cancelled one of them, a 500 for a vote or a comment. The bench's viral post (every vote and
comment on one post) met it several times on 1,000 posts (votes p99 2,007 ms, comments 2,972 ms, run
20261126-1737). Since 0009, whatever wrote comments or official responses could.

Now the two functions that lock documents (`search_documents_refresh`, which every other change
goes through, and `search_documents_comments_inserted`) first lock their posts' rows, in id order,
FOR NO KEY UPDATE (what an UPDATE of a counter takes; a foreign key's check and readers are not
blocked): everything that writes a document holds its post first, so the second of two writers
waits for the first one's commit instead of deadlocking with it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-26 17:35:00

"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

COMMENT_CHARS = 100000  # as in 0009 and forum/models/search.py

# The functions as 0009 made them, with {lock_*} where this migration locks the posts first.
FUNCTIONS = """
CREATE OR REPLACE FUNCTION search_documents_refresh(post_ids integer[]) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    IF post_ids IS NULL OR cardinality(post_ids) = 0 THEN
        RETURN;
    END IF;{lock_refresh}
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

-- New comments: appended to their post's document, without reading its other comments.
CREATE OR REPLACE FUNCTION search_documents_comments_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN{lock_inserted}
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
               string_agg(a.body, E'\\n' ORDER BY a.id)
                   FILTER (WHERE d.comment_chars + a.running <= {comment_chars}) AS text
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
"""

LOCK_REFRESH = """
    -- Their posts before the documents, as a vote or an edit of the post does (its UPDATE, then
    -- this row's trigger): the other order deadlocked a comment with a vote (migration 0013).
    PERFORM 1 FROM posts p WHERE p.id IN (SELECT unnest(post_ids)) ORDER BY p.id FOR NO KEY UPDATE;"""

LOCK_INSERTED = """
    -- Their posts before the documents (see search_documents_refresh).
    PERFORM 1 FROM posts p
    WHERE p.id IN (SELECT n.post_id FROM new_rows n WHERE n.deleted_at IS NULL AND NOT n.is_hidden)
    ORDER BY p.id FOR NO KEY UPDATE;"""


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS.format(lock_refresh=LOCK_REFRESH, lock_inserted=LOCK_INSERTED, comment_chars=COMMENT_CHARS))


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTIONS.format(lock_refresh="", lock_inserted="", comment_chars=COMMENT_CHARS))
