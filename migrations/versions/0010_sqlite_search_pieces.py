"""SQLite's own full-text search (FTS5) for the `sqlite` search backend, kept by triggers.

Why: search p95 under 50 ms at 100,000 posts (docs/PERFORMANCE.md, "Search latency"). Whoosh walks
posting lists in pure Python: two title words of a 100,000-post forum took 39 ms at the median and
100 ms at p90 on one core. FTS5 does the same walk and BM25 in C, inside the database file: no
index folder, no lock, no drift.

`search_pieces` holds one row per piece of text: a post's title and body, each official response,
each visible comment. A piece matches when it holds all the words, so a post matches when its
title and body hold them, or one of its responses, or one of its comments. The rowid orders the
pieces by their post's votes and says whose piece it is:

    level << 56 | kind << 54 | id        level: bit length of the post's vote count (0 to 31);
                                                0 for every comment
                                         kind: 2 the post's title and body, 1 a response, 0 a comment
                                         id: of the post, the response or the comment

so FTS5, which reads matches in rowid order, can read a word's matches most voted first and stop:
a search ranks the best-voted thousand matching pieces, not every match (forum/search/sqlite.py).
A post's own piece and its responses move when its vote count crosses a power of two (about ten
times on its way to 1,000 votes). Comments stay at level 0, after every post's own text: moving
the 7,521 comments of the busiest seeded post took 423 ms inside one vote, holding SQLite's write
lock; comments rank lowest anyway (weight 0.3), so a broad word is ranked among posts' own texts
and responses, and a rarer one (under a thousand pieces) among everything. The table is
contentless (content=''): it keeps the index, not a second copy of the text, so a piece is
removed with FTS5's 'delete' command and the exact values it was indexed with, which the triggers
have (OLD, and the rows of the post's responses, unchanged by a vote). Tokenizer: Porter stems of unicode61 words, accents folded, as the Whoosh index stems them.
Row triggers on posts (title, body, vote count), comments (body, post, deleted, hidden) and
official_responses keep it in the same transaction as the rows, whoever writes them; visibility
and filters are read from posts at search time. PostgreSQL has its own documents (0009): nothing
happens there.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-26 07:40:00

"""
from alembic import op


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def level(votes: str) -> str:
    """SQL: the bit length of a vote count (0 for none, 1 for one, 2 for two or three ... 31)."""
    ladder = " ".join(f"WHEN {votes} >= {1 << (n - 1)} THEN {n}" for n in range(31, 0, -1))
    return f"(CASE {ladder} ELSE 0 END)"


def post_level(post_id: str) -> str:
    return f"(SELECT {level('vote_count')} FROM posts WHERE id = {post_id})"


POST, RESPONSE, COMMENT = 2, 1, 0
VISIBLE = "{row}.deleted_at IS NULL AND NOT {row}.is_hidden"  # a comment shown to visitors


def rowid(level_sql: str, kind: int, id_sql: str) -> str:
    return f"(({level_sql} << 56) | ({kind} << 54) | {id_sql})"


def _write(rowid_sql: str, columns: str, values: str, *, delete: bool = False, source: str = "",
           when: str = "") -> str:
    """One piece in (or out, with FTS5's 'delete' and the values it was indexed with)."""
    names, given = f"rowid, {columns}", f"{rowid_sql}, {values}"
    if delete:
        names, given = f"search_pieces, {names}", f"'delete', {given}"
    if source or when:
        return f"INSERT INTO search_pieces({names}) SELECT {given} {source} {'WHERE ' + when if when else ''};"
    return f"INSERT INTO search_pieces({names}) VALUES ({given});"


def _post(row: str, **kw) -> str:
    return _write(rowid(level(f"{row}.vote_count"), POST, f"{row}.id"), "title, body", f"{row}.title, {row}.body", **kw)


def _comment(row: str, **kw) -> str:
    return _write(rowid("0", COMMENT, f"{row}.id"), "comment", f"{row}.body", when=VISIBLE.format(row=row), **kw)


def _response(row: str, **kw) -> str:
    return _write(rowid(post_level(f"{row}.post_id"), RESPONSE, f"{row}.id"), "response", f"{row}.body", **kw)


def _responses_moved() -> list[str]:
    """A post's responses, out at the OLD vote level and in at the NEW one."""
    moved = f"{level('OLD.vote_count')} != {level('NEW.vote_count')}"
    return [
        _write(rowid(level(f"{row}.vote_count"), RESPONSE, "r.id"), "response", "r.body", delete=delete,
               source="FROM official_responses r", when=f"r.post_id = NEW.id AND {moved}")
        for delete, row in ((True, "OLD"), (False, "NEW"))
    ]


TRIGGERS = {
    "search_pieces_post_insert": ("AFTER INSERT ON posts", [_post("NEW")]),
    "search_pieces_post_update": (
        "AFTER UPDATE OF title, body, vote_count ON posts WHEN OLD.title IS NOT NEW.title "
        f"OR OLD.body IS NOT NEW.body OR {level('OLD.vote_count')} != {level('NEW.vote_count')}",
        [_post("OLD", delete=True), _post("NEW"), *_responses_moved()],
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

# Every piece, from the tables (the backfill here; `flask search reindex` runs the same statements,
# forum/search/sqlite.py).
FILL = [
    f"INSERT INTO search_pieces(rowid, title, body) SELECT {rowid(level('vote_count'), POST, 'id')}, title, body "
    "FROM posts",
    f"INSERT INTO search_pieces(rowid, response) SELECT {rowid(level('p.vote_count'), RESPONSE, 'r.id')}, r.body "
    "FROM official_responses r JOIN posts p ON p.id = r.post_id",
    f"INSERT INTO search_pieces(rowid, comment) SELECT {rowid('0', COMMENT, 'c.id')}, c.body "
    f"FROM comments c WHERE {VISIBLE.format(row='c')}",
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
