"""The PostgreSQL backend: the database's own full-text search, for several app
servers sharing one database (no index on any one machine's disk).

It searches `search_documents` (models/search.py, migration 0009): one stored
tsvector per post, title (weight A), body (B), official responses (C) and
visible comments (D), a GIN index per field group. Triggers on posts, comments and
official_responses write it in the same transaction as the rows it is made
of, so it is always exactly as current as the tables: the session hooks hand
it nothing (`kept_by_the_database`), and check()/add_to_index()/reindex()
compare it with (and rebuild it from) the tables.

A post matches when all the words are in its title and body, or all in its
official responses, or all in its visible comments (the Whoosh backend's
rule): each of those field groups has a GIN index of its own on
`ts_filter(document, ...)` (migration 0012), so a search is three index scans
OR'ed, exact, and no document is read but the ones it ranks. Visibility and
the kind/status/category filters are copied beside the document.

Broad words (half of the posts for "export" in the bench's data) are not
ranked in full: the matches are taken in order of votes (the posts' own
index) and only the best BEST_MATCHES are ranked; the total then says "more
than BEST_MATCHES" (Total, capped). Counting or ranking every match reads
every matching document, which is most of a search's time for a broad word.
"""

import functools
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import (
    ColumnElement,
    Integer,
    SmallInteger,
    String,
    bindparam,
    delete,
    func,
    literal_column,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg

from forum.extensions import db
from forum.models import Post, Status
from forum.models.search import COMMENTS, LANGUAGE, RESPONSES, TITLE_BODY, SearchDocument, in_fields
from forum.search.base import Drift, Filters, Found, Total
from forum.search.query import ParsedQuery

BEST_MATCHES = 1000  # matches ranked, the most voted first; the total is capped here
# ts_rank's weights for {D, C, B, A}: comments, official responses, body, title.
RANK_WEIGHTS = literal_column("'{0.1, 0.5, 0.4, 1.0}'::float4[]")
SIMILAR_RANK_WEIGHTS = literal_column("'{0, 0, 0.4, 1.0}'::float4[]")  # title and body only, as ts_rank weighs them
TIER = 20_000  # the most voted posts, searched first (see search())
TIER_KEPT = 600.0  # seconds the tier's vote level is kept
BATCH = 2000  # posts per statement in check() and rebuild()


@dataclass(frozen=True)
class Shape:
    """What a search's statement depends on besides its values: each shape is built and compiled once
    (building, keying and compiling it anew in SQLAlchemy took about as long as the database's own
    work)."""

    words: bool  # any words (all of them go into one plainto_tsquery)
    phrases: int  # how many quoted phrases (one phraseto_tsquery each)
    kind: bool
    status: bool
    category: bool
    public_only: bool
    tier: bool
    hidden_categories: tuple[int, ...] = ()  # written into the statement: a few sets, each compiled once


def _tsquery(shape: Shape):
    """All the words and phrases (bound as :words, :phrase_0 ...), in any field: what ts_rank scores."""
    parts = [func.plainto_tsquery(LANGUAGE, bindparam("words", type_=String))] if shape.words else []
    parts += [func.phraseto_tsquery(LANGUAGE, bindparam(f"phrase_{i}", type_=String)) for i in range(shape.phrases)]
    query = parts[0]
    for part in parts[1:]:
        query = query.op("&&")(part)
    return query


def matches(query):
    """All the words in the title and body, or all in the official responses, or all in the comments:
    three plain tsqueries on the field groups' own GIN indexes (a BitmapOr), which answer exactly.
    One index on the whole document with every lexeme restricted to a weight (`'export':AB & ...`)
    made PostgreSQL match every candidate's document again, for GIN keeps no weights."""
    return or_(*(in_fields(weights).op("@@")(query) for weights in (TITLE_BODY, RESPONSES, COMMENTS)))


class PostgresBackend:
    name = "postgres"
    kept_by_the_database = True  # the triggers write the documents in the transaction that changes the posts

    def __init__(self):
        self._tier: tuple[float, int | None] | None = None  # (until, level): see _tier_level()

    def warm(self) -> None:
        pass  # nothing of its own to open: the database's connections are the app's

    def degraded(self) -> str | None:
        return None  # written by triggers in the posts' own transactions

    def add_to_index_later(self, post_ids: Sequence[int]) -> bool:
        return False

    def add_to_index(self, post_ids: Sequence[int]) -> None:
        """Rebuild these posts' documents from the tables (`flask search check --fix`)."""
        post_ids = list(post_ids)
        for start in range(0, len(post_ids), BATCH):
            _refresh(post_ids[start : start + BATCH])
        db.session.commit()

    def remove_from_index(self, post_ids: Sequence[int]) -> None:
        db.session.execute(delete(SearchDocument).where(SearchDocument.post_id.in_(list(post_ids))))
        db.session.commit()

    def reindex(self) -> int:
        all_ids = list(db.session.scalars(select(Post.id).order_by(Post.id)))
        for start in range(0, len(all_ids), BATCH):
            _refresh(all_ids[start : start + BATCH])
            db.session.commit()
        return len(all_ids)

    def check(self) -> Drift:
        drift = Drift()
        all_ids = list(db.session.scalars(select(Post.id).order_by(Post.id)))
        for start in range(0, len(all_ids), BATCH):
            rows = db.session.execute(
                text(
                    "SELECT f.post_id, d.post_id IS NULL AS missing "
                    "FROM search_documents_for(CAST(:ids AS integer[])) f "
                    "LEFT JOIN search_documents d ON d.post_id = f.post_id "
                    "WHERE d.post_id IS NULL "
                    "OR (d.comment_chars, d.public, d.kind, d.status, d.category_id, d.vote_level) "
                    "IS DISTINCT FROM (f.comment_chars, f.public, f.kind, f.status, f.category_id, f.vote_level) "
                    "OR search_document_terms(d.document) <> search_document_terms(f.document)"
                ),
                {"ids": all_ids[start : start + BATCH]},
            )
            for post_id, missing in rows:
                (drift.missing if missing else drift.stale).append(post_id)
        drift.extra = list(
            db.session.scalars(
                select(SearchDocument.post_id)
                .outerjoin(Post, Post.id == SearchDocument.post_id)
                .where(Post.id.is_(None))
                .order_by(SearchDocument.post_id)
            )
        )
        drift.missing.sort()
        drift.stale.sort()
        return drift

    def query_index(self, parsed: ParsedQuery, filters: Filters, *, offset: int, limit: int) -> Found:
        if parsed.is_empty:
            return Found()
        # Look among the TIER most voted posts first: if a word has more than BEST_MATCHES matches
        # there, those are its most voted matches (every other post has fewer votes), and a common
        # phrase reads a fraction of its matching rows (BitmapAnd of the GIN and the vote index).
        level = self._tier_level()
        shape = Shape(
            words=bool(parsed.words),
            phrases=len(parsed.phrases),
            kind=bool(filters.kind),
            status=bool(filters.status),
            category=filters.category_id is not None,
            public_only=filters.public_only,
            tier=level is not None,
            hidden_categories=tuple(sorted(filters.hidden_categories)),
        )
        values = {
            "words": " ".join(parsed.words),
            **{f"phrase_{i}": " ".join(phrase) for i, phrase in enumerate(parsed.phrases)},
            "kind": filters.kind,
            "status": filters.status,
            "category_id": filters.category_id,
            "level": level,
        }
        with _planned_for_these_words():
            ids, found = _page(shape, values, offset, limit)
        return Found(ids, Total(min(found, BEST_MATCHES), capped=found > BEST_MATCHES))

    def _tier_level(self) -> int | None:
        """The vote level of the TIER-th most voted post (None on a smaller forum), kept a while:
        a hint for speed only, any level gives the same results."""
        now = time.monotonic()
        if self._tier is None or self._tier[0] < now:
            level = db.session.scalar(
                select(SearchDocument.vote_level)
                .order_by(SearchDocument.vote_level.desc(), SearchDocument.post_id.desc())
                .offset(TIER)
                .limit(1)
            )
            self._tier = (now + TIER_KEPT, level)
        return self._tier[1]

    def similar(
        self, stems: Sequence[str], *, limit: int, hidden_categories: frozenset[int] = frozenset()
    ) -> list[int]:
        """Posts offered as "vote for this instead" with any of these stems in their title or body, best
        first. Ranked on the stored documents with the responses' and comments' weights at 0, which
        ranks title and body exactly as ts_rank over their own vectors did (their positions come first
        in the document), without computing two `to_tsvector` per matching post."""
        words = list(stems)
        if not words:
            return []
        doc = SearchDocument
        # The stems are [a-z0-9]+ (services.similar.expansions): safe in to_tsquery's syntax.
        any_word = func.to_tsquery(LANGUAGE, " | ".join(words))
        ranked = func.ts_rank(SIMILAR_RANK_WEIGHTS, doc.document, any_word)
        with _planned_for_these_words():
            return list(
                db.session.scalars(
                    select(doc.post_id)
                    .where(
                        in_fields(TITLE_BODY).op("@@")(any_word),
                        doc.public.is_(True),
                        doc.status != Status.DUPLICATE,
                        *([_outside(sorted(hidden_categories))] if hidden_categories else []),
                    )
                    .order_by(ranked.desc(), doc.post_id.desc())
                    .limit(limit)
                )
            )


@contextmanager
def _planned_for_these_words() -> Iterator[None]:
    """psycopg prepares a statement once it has run it 5 times, and PostgreSQL then plans it once for
    any words (a generic plan, blind to how common they are): searches and similar-post lookups took
    several times longer from the 10th on. Inside this block the connection prepares nothing, so each
    statement is planned for its own words.

    psycopg's switch rather than `SET LOCAL plan_cache_mode = force_custom_plan`: the search page
    reads without a transaction (extensions.reads_only), where SET LOCAL does nothing."""
    driver = db.session.connection().connection.driver_connection
    kept = driver.prepare_threshold
    driver.prepare_threshold = None
    try:
        yield
    finally:
        driver.prepare_threshold = kept


def _page(shape: Shape, values: dict, offset: int, limit: int) -> tuple[list[int], int]:
    """A page of the best matches by rank, and how many best matches there are (at most BEST_MATCHES + 1)."""
    page, count = _statements(shape, BEST_MATCHES)
    shown = min(limit, BEST_MATCHES - offset)  # pages end with the BEST_MATCHES-th match
    connection = db.session.connection()
    rows = []
    if shown > 0:
        rows = connection.exec_driver_sql(page.sql, {**page.fixed, **values, "offset": offset, "shown": shown}).all()
    if rows:
        found = rows[0].total
    elif offset or shown <= 0:
        found = connection.exec_driver_sql(count.sql, {**count.fixed, **values}).scalar_one()
    else:
        found = 0
    return [r.post_id for r in rows], found


@dataclass(frozen=True)
class Compiled:
    sql: str  # with named %(name)s parameters, as psycopg takes them
    fixed: dict  # the values of the parameters that are the same for every search (SQLAlchemy names them)


@functools.cache
def _statements(shape: Shape, best_matches: int) -> tuple[Compiled, Compiled]:
    """A page of matches and their count, for this shape.

    One statement: the best matches among the tier, and when it holds no more than BEST_MATCHES,
    the most voted of the posts below it after them."""
    doc = SearchDocument
    query = _tsquery(shape)
    conditions = [matches(query)]
    if shape.kind:
        conditions.append(doc.kind == bindparam("kind", type_=String))
    if shape.status:
        conditions.append(doc.status == bindparam("status", type_=String))
    if shape.category:
        conditions.append(doc.category_id == bindparam("category_id", type_=Integer))
    if shape.public_only:
        conditions.append(doc.public.is_(True))
    if shape.hidden_categories:
        conditions.append(_outside(shape.hidden_categories))
    tier = doc.vote_level >= bindparam("level", type_=SmallInteger)

    def most_voted(where, *, along_votes=True):
        # Read in vote order along an index (a broad word stops after a few thousand documents) or
        # from the GIN indexes and sorted (a rare word or a phrase); the planner picks by the words'
        # frequencies, which ANALYZE keeps for the indexed expressions. `along_votes=False` orders by
        # expressions no index holds, so it must take the matches from the GIN indexes.
        level, post_id = (doc.vote_level, doc.post_id) if along_votes else (doc.vote_level + 0, doc.post_id + 0)
        return (
            select(doc.post_id, doc.vote_level, doc.document)
            .where(*where)
            .order_by(level.desc(), post_id.desc())
            .limit(best_matches + 1)
        )

    if not shape.tier:
        best = most_voted(conditions).subquery("best")
    else:
        # The tier's matches, then as many of the most voted below the tier as it lacks (none when it
        # is full: LIMIT 0). Taking them from every post instead read the tier's rows twice when it
        # was not full. Below the tier
        # the matches are always taken from the GIN indexes: the tier holds a fifth of the posts and
        # fewer than BEST_MATCHES matches, so the words are rare enough that walking the rest in
        # vote order reads most of the table (the planner, misjudging weighted words, did so for
        # two rare words whose few hundred matches the GIN index gives at once).
        in_tier = most_voted([*conditions, tier]).cte("in_tier")
        lacking = best_matches + 1 - select(func.count()).select_from(in_tier).scalar_subquery()
        below = most_voted([*conditions, ~tier], along_votes=False).limit(lacking).subquery("below")
        best = union_all(
            select(in_tier.c.post_id, in_tier.c.vote_level, in_tier.c.document),
            select(below.c.post_id, below.c.vote_level, below.c.document),
        ).subquery("best")
    rank = func.ts_rank(RANK_WEIGHTS, best.c.document, query)
    page = (
        select(best.c.post_id, func.count().over().label("total"))
        .order_by(rank.desc(), best.c.vote_level.desc(), best.c.post_id.desc())
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("shown", type_=Integer))
    )
    count = select(func.count()).select_from(best)
    return _compiled(page), _compiled(count)


def _outside(category_ids) -> ColumnElement[bool]:
    """SQL: the document's category is none of these (ids, written as numbers)."""
    return SearchDocument.category_id.not_in([literal_column(str(int(i))) for i in category_ids])


def _compiled(statement) -> Compiled:
    compiled = statement.compile(dialect=postgresql_psycopg.dialect())
    return Compiled(str(compiled), {name: value for name, value in compiled.params.items() if value is not None})


def _refresh(post_ids: list[int]) -> None:
    db.session.execute(text("SELECT search_documents_refresh(CAST(:ids AS integer[]))"), {"ids": post_ids})
