"""The SQLite backend: SQLite's own full-text search (FTS5), for a site on one machine whose posts
outgrow Whoosh's speed (SEARCH_BACKEND=sqlite; the database must be SQLite).

It searches `search_pieces` (migration 0010): one row per piece of text, a post's title and body,
each official response, each visible comment, written by triggers in the same transaction as the
rows, whoever writes them; so update() has nothing to do, and there is no index folder, lock or
journal. A post matches when its title and body hold all the words, or one of its responses, or
one of its comments (Whoosh and PostgreSQL: or all its responses, or all its comments, together).

The rowid is `level << 56 | kind << 54 | id`: the bit length of the post's vote count (0 for every
comment: moving a busy post's thousands of comments at each power of two took 423 ms inside one
vote), what the piece is (2 the post's own text, 1 a response, 0 a comment) and its id. FTS5 reads
a query's matches in rowid order, so the most voted come first when it reads backwards, and it
stops when asked to. A search:

1. finds the BEST_PIECES-th most voted matching piece (reading that many, no ranking): pieces from
   it up are the ones ranked. A broad word (10,000 matches at 100,000 posts) is ranked among its
   best-voted matches (posts' own texts and responses before any comment), as on PostgreSQL, and
   costs the same at any size; a rarer one, entirely;
2. asks FTS5 for the best of those pieces (BM25 in C, with the Whoosh backend's weights: title 3,
   body 1, response 1.5, comment 0.3), a few more than the page needs, takes each post at its best
   piece and checks visibility and filters on posts; more pieces (and then more of the matches)
   only when too few posts passed;
3. counts the posts that match, up to COUNTED ("more than 1,000 posts found", as on PostgreSQL).

User text never reaches FTS5's query syntax: the parsed words are split into tokens by Whoosh's
analyzer (no stemming: the table's Porter tokenizer stems them as it stemmed the text), and each
token goes in as a quoted string.

The table is contentless (the index without a second copy of the text), so `check()` can compare
which pieces exist (and FTS5's own integrity check) but not their words; the triggers are what
keep the words right, and `repair()`/`rebuild()` rebuild every piece (~8 s at 100,000 posts).
"""

from sqlalchemy import bindparam, text
from whoosh.analysis import StandardAnalyzer

from forum.extensions import db
from forum.search.query import ParsedQuery
from forum.search.whoosh_backend import Drift

# bm25()'s weights for the columns title, body, response, comment (the Whoosh backend's boosts).
WEIGHTS = "3.0, 1.0, 1.5, 0.3"
BEST_PIECES = 1000  # the most voted matching pieces a broad search ranks (bm25: ~3 µs a piece)
COUNTED = 1000  # posts counted at most; beyond, the total reads "more than 1,000" (as on PostgreSQL)
TOKENS = StandardAnalyzer()  # lower case, stop words out, no stemming
POST, RESPONSE, COMMENT = 2, 1, 0  # a piece's kind
ID_BITS = (1 << 54) - 1


def level(votes: str) -> str:
    """SQL: the bit length of a vote count (migration 0010 keeps the same definition in its triggers)."""
    ladder = " ".join(f"WHEN {votes} >= {1 << (n - 1)} THEN {n}" for n in range(31, 0, -1))
    return f"(CASE {ladder} ELSE 0 END)"


def _rowid(level_sql: str, kind: int, id_sql: str) -> str:
    return f"(({level_sql} << 56) | ({kind} << 54) | {id_sql})"


# Every piece, from the tables: (its rowid, its post, its text, where from, its columns), as the
# triggers of migration 0010 write them.
EVERY_PIECE = [
    (_rowid(level("vote_count"), POST, "id"), "id", "title, body", "FROM posts", "title, body"),
    (_rowid(level("p.vote_count"), RESPONSE, "r.id"), "p.id", "r.body",
     "FROM official_responses r JOIN posts p ON p.id = r.post_id", "response"),
    (_rowid("0", COMMENT, "c.id"), "c.post_id", "c.body",
     "FROM comments c WHERE c.deleted_at IS NULL AND NOT c.is_hidden", "comment"),
]  # fmt: skip
# SQL: the post a piece (its rowid) belongs to.
POST_OF = (  # search_pieces.rowid, named in full: in the subqueries "rowid" would be their own table's
    f"CASE (search_pieces.rowid >> 54) & 3 WHEN {POST} THEN search_pieces.rowid & {ID_BITS} "
    f"WHEN {RESPONSE} THEN (SELECT post_id FROM official_responses WHERE id = search_pieces.rowid & {ID_BITS}) "
    f"ELSE (SELECT post_id FROM comments WHERE id = search_pieces.rowid & {ID_BITS}) END"
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

    def warm(self) -> None:
        pass  # nothing of its own to open: the database's connections are the app's

    def later(self, post_ids: list[int]) -> bool:
        return False  # nothing to do later: see update()

    def update(self, post_ids: list[int]) -> None:
        pass  # the triggers wrote the pieces in the transaction that changed the rows

    def clear(self) -> None:
        pass  # the pieces follow the tables: emptying those empties it

    def rebuild(self) -> int:
        db.session.execute(text("INSERT INTO search_pieces(search_pieces) VALUES ('delete-all')"))
        for rowid, _post, values, source, columns in EVERY_PIECE:
            db.session.execute(text(f"INSERT INTO search_pieces(rowid, {columns}) SELECT {rowid}, {values} {source}"))
        db.session.commit()
        return db.session.scalar(text("SELECT count(*) FROM posts"))

    def repair(self, post_ids: list[int]) -> None:
        """A contentless piece can only be taken out with the words it was indexed with, which a
        drifted table no longer knows: every piece is rebuilt."""
        self.rebuild()

    def check(self) -> Drift:
        drift = Drift()
        posts = set(db.session.scalars(text("SELECT id FROM posts")))
        try:
            db.session.execute(text("INSERT INTO search_pieces(search_pieces) VALUES ('integrity-check')"))
        except Exception:  # SQLITE_CORRUPT_VTAB: the index itself is damaged
            db.session.rollback()
            drift.stale = sorted(posts)
            return drift
        db.session.rollback()
        expected = {}
        for rowid, post, _values, source, _columns in EVERY_PIECE:
            expected.update(db.session.execute(text(f"SELECT {rowid}, {post} {source}")).all())
        found = dict(db.session.execute(text(f"SELECT rowid, {POST_OF} FROM search_pieces")).all())
        missing = {rowid: expected[rowid] for rowid in expected.keys() - found.keys()}
        extra = {rowid: found[rowid] for rowid in found.keys() - expected.keys()}
        drift.missing = sorted({post for rowid, post in missing.items() if (rowid >> 54) & 3 == POST})
        gone = {post for post in extra.values() if post not in posts}  # None: its response or comment is gone
        drift.extra = sorted(post for post in gone if post is not None)
        drift.stale = sorted(({*missing.values(), *extra.values()} & posts) - set(drift.missing))
        if None in gone:  # a piece of a response or comment deleted without its trigger: rebuild them all
            drift.stale = sorted(posts)
        return drift

    def search(self, parsed: ParsedQuery, filters, *, offset: int, limit: int) -> tuple[list[int], int]:
        from forum.search import Total

        match = match_expression(parsed)
        if match is None:
            return [], Total(0)
        where, params = _post_filters(filters)
        wanted = offset + limit
        ranked_among = BEST_PIECES
        while True:
            lowest = db.session.scalar(
                text(
                    "SELECT rowid FROM search_pieces WHERE search_pieces MATCH :match "
                    "ORDER BY rowid DESC LIMIT 1 OFFSET :n"
                ),
                {"match": match, "n": ranked_among - 1},
            )
            bounded = lowest is not None  # else fewer matches than that: all of them are ranked
            ids, passed, exhausted = self._best_posts(match, where, params, wanted, lowest)
            if len(passed) >= wanted or not bounded:
                break
            ranked_among *= 4  # a filter left out most of the best-voted matches: rank more of them
        if exhausted and not bounded and not offset:
            found = len(passed)  # every match was read
        else:
            # Distinct posts in the order FTS5 reads the matches, stopping at COUNTED + 1: a DISTINCT
            # subquery joined to posts afterwards read every match first (7 ms for `export invoices`).
            found = db.session.scalar(
                text(
                    f"SELECT count(*) FROM (SELECT DISTINCT p.id FROM (SELECT {POST_OF} AS post FROM search_pieces "
                    f"WHERE search_pieces MATCH :match) h JOIN posts p ON p.id = h.post WHERE {where} LIMIT :most)"
                ),
                {"match": match, "most": COUNTED + 1, **params},
            )
        return ids[offset:wanted], Total(min(found, COUNTED), capped=found > COUNTED)

    def _best_posts(self, match: str, where: str, params: dict, wanted: int, lowest: int | None):
        """The `wanted` best posts among the pieces from `lowest` up (ranked, checked against posts),
        the posts that passed {id: votes}, and whether every piece in that range was read."""
        bound = "" if lowest is None else "AND rowid >= :lowest"
        pieces = wanted * 2 + 20
        while True:
            ranked = db.session.execute(
                text(
                    f"SELECT {POST_OF} AS post_id, bm25(search_pieces, {WEIGHTS}) AS rank FROM search_pieces "
                    f"WHERE search_pieces MATCH :match {bound} ORDER BY rank LIMIT :pieces"
                ),
                {"match": match, "pieces": pieces, "lowest": lowest},
            ).all()
            best: dict[int, float] = {}
            for post_id, rank in ranked:
                if post_id is not None:
                    best.setdefault(post_id, rank)
            passed = dict(
                db.session.execute(
                    text(f"SELECT p.id, p.vote_count FROM posts p WHERE p.id IN :ids AND {where}").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": list(best), **params},
                ).all()
            ) if best else {}  # fmt: skip
            exhausted = len(ranked) < pieces
            if len(passed) >= wanted or exhausted:
                break
            pieces *= 4
        order = sorted(passed, key=lambda post_id: (best[post_id], -passed[post_id], -post_id))
        return order[:wanted], passed, exhausted

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
                    f"SELECT p.id FROM search_pieces JOIN posts p ON p.id = search_pieces.rowid & {ID_BITS} "
                    f"WHERE search_pieces MATCH :match AND (search_pieces.rowid >> 54) & 3 = {POST} "
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
