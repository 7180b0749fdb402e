"""SQLite's own full-text search (FTS5) for the `sqlite` search backend, kept by triggers.

Why: search p95 under 50 ms at 100,000 posts (docs/PERFORMANCE.md, "Search latency"). Whoosh walks
posting lists in pure Python: two title words of a 100,000-post forum took 39 ms at the median and
100 ms at p90 on one core. FTS5 does the same walk and BM25 in C (5 ms and 18 ms on the same
searches), inside the database file: no index folder, no lock, no drift.

`search_pieces` holds one row per piece of text: a post's title and body, each official response,
each visible comment. A piece matches when it holds all the words, so a post matches when its
title and body hold them, or one of its responses, or one of its comments. The rowid says whose
piece it is: post id * 2^32, plus nothing for the post's own text, the comment id for a comment,
2^31 + the response id for a response (ids stay below 2^31, as PostgreSQL's integers do); the
post is `rowid >> 32`. The table is contentless (content=''): it keeps the index, not a second
copy of the text, so a piece is removed with FTS5's 'delete' command and the old values, which
the triggers have (OLD). Tokenizer: Porter stems of unicode61 words, accents folded, the stems
the Whoosh index holds. Row triggers on posts (title, body), comments (body, post, deleted,
hidden) and official_responses keep it in the same transaction as the rows, whoever writes them;
visibility and filters are read from posts at search time. PostgreSQL has its own documents
(0009): nothing happens there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 07:40:00

"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

POST_ID = "({row}.id * 4294967296)"
COMMENT_ID = "({row}.post_id * 4294967296 + {row}.id)"
RESPONSE_ID = "({row}.post_id * 4294967296 + 2147483648 + {row}.id)"
VISIBLE = "{row}.deleted_at IS NULL AND NOT {row}.is_hidden"  # a comment shown to visitors


def _write(row: str, rowid: str, columns: str, values: str, *, delete: bool = False, when: str = "") -> str:
    """One piece in (or out, with FTS5's 'delete' and the values it was indexed with), for NEW or OLD."""
    names, given = f"rowid, {columns}", f"{rowid}, {values}".format(row=row)
    if delete:
        names, given = f"search_pieces, {names}", f"'delete', {given}"
    if when:
        return f"INSERT INTO search_pieces({names}) SELECT {given} WHERE {when.format(row=row)};"
    return f"INSERT INTO search_pieces({names}) VALUES ({given});"


def _post(row, **kw):
    return _write(row, POST_ID, "title, body", "{row}.title, {row}.body", **kw)


def _comment(row, **kw):
    return _write(row, COMMENT_ID, "comment", "{row}.body", when=VISIBLE, **kw)


def _response(row, **kw):
    return _write(row, RESPONSE_ID, "response", "{row}.body", **kw)


TRIGGERS = {
    "search_pieces_post_insert": ("AFTER INSERT ON posts", [_post("NEW")]),
    "search_pieces_post_update": (
        "AFTER UPDATE OF title, body ON posts WHEN OLD.title IS NOT NEW.title OR OLD.body IS NOT NEW.body",
        [_post("OLD", delete=True), _post("NEW")],
    ),
    "search_pieces_post_delete": ("AFTER DELETE ON posts", [_post("OLD", delete=True)]),
    "search_pieces_comment_insert": ("AFTER INSERT ON comments", [_comment("NEW")]),
    "search_pieces_comment_update": (
        "AFTER UPDATE OF post_id, body, deleted_at, is_hidden ON comments",
        [_comment("OLD", delete=True), _comment("NEW")],
    ),
    "search_pieces_comment_delete": ("AFTER DELETE ON comments", [_comment("OLD", delete=True)]),
    "search_pieces_response_insert": ("AFTER INSERT ON official_responses", [_response("NEW")]),
    "search_pieces_response_update": (
        "AFTER UPDATE OF post_id, body ON official_responses",
        [_response("OLD", delete=True), _response("NEW")],
    ),
    "search_pieces_response_delete": ("AFTER DELETE ON official_responses", [_response("OLD", delete=True)]),
}

# Every piece, from the tables (the backfill here; `flask search reindex` runs the same).
FILL = [
    "INSERT INTO search_pieces(rowid, title, body) SELECT id * 4294967296, title, body FROM posts",
    "INSERT INTO search_pieces(rowid, response) "
    "SELECT post_id * 4294967296 + 2147483648 + id, body FROM official_responses",
    "INSERT INTO search_pieces(rowid, comment) SELECT post_id * 4294967296 + id, body FROM comments "
    "WHERE deleted_at IS NULL AND NOT is_hidden",
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        "CREATE VIRTUAL TABLE search_pieces USING fts5(title, body, response, comment, content='', "
        "tokenize='porter unicode61 remove_diacritics 2')"
    )
    for statement in FILL:
        op.execute(statement)
    for name, (when, statements) in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {when} BEGIN {' '.join(statements)} END")


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE search_pieces")
