"""The SQLite backend: SQLite's own full-text search (FTS5), for a site on one machine whose posts
outgrow Whoosh's speed (SEARCH_BACKEND=sqlite; the database must be SQLite).

It searches `search_pieces` (migration 0010): one row per piece of text, a post's title and body,
each official response, each visible comment, written by triggers in the same transaction as the
rows, whoever writes them; so update() has nothing to do, and there is no index folder, lock or
journal. The rowid says whose piece it is (post id * 2^32 + the piece: `rowid >> 32` is the post).
A search asks FTS5 for its best pieces (BM25 in C, with the Whoosh backend's weights: title 3,
body 1, response 1.5, comment 0.3), a few more than the page needs, takes each post at its best
piece and checks visibility and filters on posts; more pieces only when too few posts passed. The
total is counted up to COUNTED, as on PostgreSQL. A post matches when its title and body hold all
the words, or one of its responses, or one of its comments (Whoosh and PostgreSQL: or all its
responses, or all its comments, together).

User text never reaches FTS5's query syntax: the parsed words are split into tokens by Whoosh's
analyzer (no stemming: the table's Porter tokenizer stems them as it stemmed the text), and each
token goes in as a quoted string.

The table is contentless (the index without a second copy of the text), so `check()` can compare
which pieces exist (and FTS5's own integrity check) but not their words; the triggers are what
keep the words right, and `repair()`/`rebuild()` rebuild every piece (~6 s at 100,000 posts).
"""

from sqlalchemy import bindparam, text
from whoosh.analysis import StandardAnalyzer

from forum.extensions import db
from forum.search.query import ParsedQuery
from forum.search.whoosh_backend import Drift

# bm25()'s weights for the columns title, body, response, comment (the Whoosh backend's boosts).
WEIGHTS = "3.0, 1.0, 1.5, 0.3"
PIECE = 4294967296  # 2^32: a piece's rowid is post id * PIECE + (0, a comment id, or 2^31 + a response id)
COUNTED = 1000  # matches counted at most; beyond, the total reads "more than 1,000" (as on PostgreSQL)
TOKENS = StandardAnalyzer()  # lower case, stop words out, no stemming

# Every piece, from the tables (migration 0010 fills the table with the same statements).
FILL = [
    "INSERT INTO search_pieces(rowid, title, body) SELECT id * 4294967296, title, body FROM posts",
    "INSERT INTO search_pieces(rowid, response) "
    "SELECT post_id * 4294967296 + 2147483648 + id, body FROM official_responses",
    "INSERT INTO search_pieces(rowid, comment) SELECT post_id * 4294967296 + id, body FROM comments "
    "WHERE deleted_at IS NULL AND NOT is_hidden",
]
EXPECTED_ROWIDS = (
    "SELECT id * 4294967296 FROM posts UNION ALL "
    "SELECT post_id * 4294967296 + 2147483648 + id FROM official_responses UNION ALL "
    "SELECT post_id * 4294967296 + id FROM comments WHERE deleted_at IS NULL AND NOT is_hidden"
)


def _quoted(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _tokens(words: list[str]) -> list[str]:
    return [token.text for word in words for token in TOKENS(word)]


def match_expression(parsed: ParsedQuery) -> str | None:
    """The FTS5 query: every word (any of its tokens) and every phrase, in one piece."""
    clauses = []
    for word in parsed.words:
        tokens = _tokens([word])
        if tokens:
            clauses.append("(" + " OR ".join(map(_quoted, tokens)) + ")")
    for phrase in parsed.phrases:
        tokens = _tokens(phrase)
        if tokens:
            clauses.append(_quoted(" ".join(tokens)))  # FTS5: a quoted string of several tokens is a phrase
    return " AND ".join(clauses) or None


class SqliteBackend:
    name = "sqlite"

    def update(self, post_ids: list[int]) -> None:
        pass  # the triggers wrote the pieces in the transaction that changed the rows

    def clear(self) -> None:
        pass  # the pieces follow the tables: emptying those empties it

    def rebuild(self) -> int:
        db.session.execute(text("INSERT INTO search_pieces(search_pieces) VALUES ('delete-all')"))
        for statement in FILL:
            db.session.execute(text(statement))
        db.session.commit()
        return db.session.scalar(text("SELECT count(*) FROM posts"))

    def repair(self, post_ids: list[int]) -> None:
        """A contentless piece can only be taken out with the words it was indexed with, which a
        drifted table no longer knows: every piece is rebuilt."""
        self.rebuild()

    def check(self) -> Drift:
        drift = Drift()
        try:
            db.session.execute(text("INSERT INTO search_pieces(search_pieces) VALUES ('integrity-check')"))
        except Exception:  # SQLITE_CORRUPT_VTAB: the index itself is damaged
            db.session.rollback()
            drift.stale = list(db.session.scalars(text("SELECT id FROM posts ORDER BY id")))
            return drift
        db.session.rollback()
        found = set(db.session.scalars(text("SELECT rowid FROM search_pieces")))
        expected = set(db.session.scalars(text(EXPECTED_ROWIDS)))
        posts = set(db.session.scalars(text("SELECT id FROM posts")))
        missing, extra = expected - found, found - expected
        drift.missing = sorted({rowid // PIECE for rowid in missing if rowid % PIECE == 0})
        drift.extra = sorted({rowid // PIECE for rowid in extra} - posts)
        drift.stale = sorted({rowid // PIECE for rowid in missing | extra} & posts - set(drift.missing))
        return drift

    def search(self, parsed: ParsedQuery, filters, *, offset: int, limit: int) -> tuple[list[int], int]:
        from forum.search import Total

        match = match_expression(parsed)
        if match is None:
            return [], Total(0)
        where, params = _post_filters(filters)
        wanted = offset + limit
        # The best pieces first, straight from FTS5 (its ORDER BY rank keeps only the top k, in C), then
        # the posts they belong to, checked against posts; more pieces only when too few posts passed.
        # Grouping and joining every match to posts before ranking was 3/4 of a broad search.
        pieces = wanted * 2 + 20
        while True:
            ranked = db.session.execute(
                text(
                    f"SELECT rowid >> 32 AS post_id, bm25(search_pieces, {WEIGHTS}) AS rank FROM search_pieces "
                    "WHERE search_pieces MATCH :match ORDER BY rank LIMIT :pieces"
                ),
                {"match": match, "pieces": pieces},
            ).all()
            best: dict[int, float] = {}
            for post_id, rank in ranked:
                best.setdefault(post_id, rank)
            passed = dict(
                db.session.execute(
                    text(f"SELECT p.id, p.vote_count FROM posts p WHERE p.id IN :ids AND {where}").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": list(best), **params},
                ).all()
            ) if best else {}  # fmt: skip
            if len(passed) >= wanted or len(ranked) < pieces:
                break
            pieces *= 4
        order = sorted(passed, key=lambda post_id: (best[post_id], -passed[post_id], -post_id))
        ids = order[offset:wanted]
        # Counted up to COUNTED (as on PostgreSQL: "more than 1,000 posts found"), without ranking.
        if len(ranked) < pieces and not offset:
            found = len(passed)  # every match was read above
        else:
            found = db.session.scalar(
                text(
                    "SELECT count(*) FROM (SELECT 1 FROM (SELECT DISTINCT rowid >> 32 AS id FROM search_pieces "
                    f"WHERE search_pieces MATCH :match) h JOIN posts p ON p.id = h.id WHERE {where} LIMIT :most)"
                ),
                {"match": match, "most": COUNTED + 1, **params},
            )
        return ids, Total(min(found, COUNTED), capped=found > COUNTED)

    def candidates(self, words: list[str], *, limit: int) -> list[int]:
        """Posts offered as "vote for this instead" whose title or body has a word starting with one of
        these stems (prefixes: the stems are Whoosh's, and the table's Porter tokenizer may cut a word
        a letter shorter or longer)."""
        if not words:
            return []
        match = "{title body} : (" + " OR ".join(_quoted(w) + " *" for w in words) + ")"
        return list(
            db.session.scalars(
                text(
                    "SELECT search_pieces.rowid >> 32 FROM search_pieces "
                    "JOIN posts p ON p.id = search_pieces.rowid >> 32 "
                    "WHERE search_pieces MATCH :match AND search_pieces.rowid % 4294967296 = 0 "
                    "AND p.deleted_at IS NULL AND NOT p.is_hidden AND p.status != 'duplicate' "
                    f"ORDER BY bm25(search_pieces, {WEIGHTS}), p.id DESC LIMIT :limit"
                ),
                {"match": match, "limit": limit},
            )
        )


def _post_filters(filters) -> tuple[str, dict]:
    where, params = ["1 = 1"], {}
    if filters.public_only:
        where.append("p.deleted_at IS NULL AND NOT p.is_hidden")
    for column, value in (("kind", filters.kind), ("status", filters.status), ("category_id", filters.category_id)):
        if value is not None:
            where.append(f"p.{column} = :{column}")
            params[column] = value
    return " AND ".join(where), params
