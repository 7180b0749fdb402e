"""A post's thread version: a random number, drawn anew whenever anything its discussion shows changes.

Why: issue 7, the viral post (docs/PERFORMANCE.md, section 8). A visitor's post page keeps its comments
rendered apart, but found out whether they had changed by reading them again (two queries and a
digest of every comment shown, ~5 of the ~13 ms of CPU the busiest post's page took after each
vote). Now the page's own query reads `posts.thread_version`, and while it is the same the comments
are not read: a vote's page reads no comment. When it moved, they are read again and their digest
finds their kept rendering if they are the same (a new comment on a long thread lands on its last page).

Kept by triggers, in the same transaction as the rows, whoever writes them (a request, a `flask`
command, a bulk update): a comment added, changed (text, hidden, deleted, moved to another post)
or removed moves the version of its post (both posts, for a move); a member's new display name moves the
version of every post they commented on. Nothing else of a row shows in a visitor's discussion
(forum/services/comments.py, `_THREAD_COLUMNS`).

Random (64 bits on SQLite, about 52 on PostgreSQL), not a counter: a database restored from a backup under a
running server, then written to, would give a post the counter values it had before with other
comments, and a worker would take them for the comments it saw then. Its value means nothing else.

PostgreSQL: statement triggers (a COPY of 300,000 seeded comments updates each post once), which lock
their posts in id order, as migration 0013's do: a post before its search document, and two writers of
several posts never in opposite orders. SQLite: row triggers (one writer at a time).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-27 02:40:00

"""
import sqlalchemy as sa
from alembic import op


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

POSTGRES_FUNCTIONS = """
CREATE FUNCTION posts_thread_changed(post_ids integer[]) RETURNS void
LANGUAGE sql AS $$
    WITH locked AS (
        SELECT p.id FROM posts p WHERE p.id = ANY(post_ids) ORDER BY p.id FOR NO KEY UPDATE
    )
    UPDATE posts p SET thread_version = floor(random() * 9007199254740992)::bigint FROM locked WHERE p.id = locked.id;
$$;

CREATE FUNCTION comments_thread_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM posts_thread_changed(ARRAY(SELECT DISTINCT n.post_id FROM new_rows n));
    RETURN NULL;
END $$;

CREATE FUNCTION comments_thread_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM posts_thread_changed(ARRAY(
        SELECT o.post_id FROM old_rows o UNION SELECT n.post_id FROM new_rows n
    ));
    RETURN NULL;
END $$;

CREATE FUNCTION comments_thread_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM posts_thread_changed(ARRAY(SELECT DISTINCT o.post_id FROM old_rows o));
    RETURN NULL;
END $$;

CREATE FUNCTION users_thread_renamed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM posts_thread_changed(ARRAY(SELECT DISTINCT c.post_id FROM comments c WHERE c.author_id = NEW.id));
    RETURN NULL;
END $$;
"""

POSTGRES_TRIGGERS = [
    ("comments_thread_insert",
     "AFTER INSERT ON comments REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT", "comments_thread_inserted"),
    ("comments_thread_update",
     "AFTER UPDATE ON comments REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT",
     "comments_thread_updated"),
    ("comments_thread_delete",
     "AFTER DELETE ON comments REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT", "comments_thread_deleted"),
    ("users_thread_rename",
     "AFTER UPDATE OF display_name ON users FOR EACH ROW "
     "WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name)", "users_thread_renamed"),
]

POSTGRES_FUNCTION_NAMES = [
    "users_thread_renamed()",
    "comments_thread_deleted()",
    "comments_thread_updated()",
    "comments_thread_inserted()",
    "posts_thread_changed(integer[])",
]

BUMP = "UPDATE posts SET thread_version = random() WHERE id"
SQLITE_TRIGGERS = [
    ("comments_thread_insert", "AFTER INSERT ON comments", f"{BUMP} = NEW.post_id"),
    ("comments_thread_update", "AFTER UPDATE ON comments", f"{BUMP} IN (OLD.post_id, NEW.post_id)"),
    ("comments_thread_delete", "AFTER DELETE ON comments", f"{BUMP} = OLD.post_id"),
    ("users_thread_rename",
     "AFTER UPDATE OF display_name ON users WHEN OLD.display_name IS NOT NEW.display_name",
     f"{BUMP} IN (SELECT post_id FROM comments WHERE author_id = NEW.id)"),
]


def upgrade():
    op.add_column('posts', sa.Column('thread_version', sa.BigInteger(), server_default='0', nullable=False))
    # A renamed member's comments, found without reading every comment.
    op.create_index('ix_comments_author_id', 'comments', ['author_id'])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRES_FUNCTIONS)
        for name, when, function in POSTGRES_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {function}()")
    else:
        for name, when, statement in SQLITE_TRIGGERS:
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {statement}; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, when, _function in POSTGRES_TRIGGERS:
            table = when.split(" ON ")[1].split()[0]
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        for function in POSTGRES_FUNCTION_NAMES:
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    else:
        for name, _when, _statement in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.drop_index('ix_comments_author_id', table_name='comments')
    # Not a batch (which rebuilds the table on SQLite, dropping migration 0010's triggers on posts):
    # SQLite drops a column itself since 3.35.
    op.drop_column('posts', 'thread_version')
