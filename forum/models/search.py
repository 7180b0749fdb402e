"""Full-text search tables and indexes for the PostgreSQL search backend (forum/search/postgres.py).

`search_documents` holds one stored tsvector per post: title (weight A), body (B), official
responses (C) and visible comments (D), with a GIN index per field group (migration 0012: title and
body, responses, comments, each `ts_filter` of the document). Migration 0009 creates it and the
triggers on posts, comments and official_responses that keep it exactly as current as those
tables, in the same transaction, whatever writes them; the app never writes it. On SQLite the
table exists, empty and unused (the Whoosh backend keeps its own index on disk), so the models
are the same on both databases; the GIN indexes exist on PostgreSQL only (`ddl_if`), and
tests/test_migrations.py leaves such indexes out of the comparison elsewhere.

The expression indexes of migration 0006 (title and body, responses, comments) are gone since
migration 0011: searches and similar-post suggestions (`similar()`) read the stored documents.
"""

from sqlalchemy import ForeignKey, Index, SmallInteger, String, Text, func, literal_column
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db

# Both the indexes and the queries name the configuration literally: a
# parameter would not match the index expression, and PostgreSQL would scan.
LANGUAGE = literal_column("'english'::regconfig")

# Comment text indexed per post, earliest comments first (migration 0009 holds the same figure):
# a tsvector holds at most 1 MB of lexemes (past it every new comment on the post would fail) and
# positions up to 16,383, and a new comment rewrites its post's whole document and GIN entries.
COMMENT_CHARS = 100_000


class SearchDocument(db.Model):
    """What the PostgreSQL backend searches: written by triggers (migration 0009), never by the app.

    Besides the document, the post's filters, copied so that a search reads this table alone (a join
    to posts for every match made broad searches slow)."""

    __tablename__ = "search_documents"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    document: Mapped[str] = mapped_column(TSVECTOR().with_variant(Text(), "sqlite"))
    # Characters of the post's visible comments, all of them (only the first COMMENT_CHARS are indexed).
    comment_chars: Mapped[int] = mapped_column()
    public: Mapped[bool] = mapped_column()  # neither hidden nor deleted
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    category_id: Mapped[int] = mapped_column()
    # floor(2 * log2(votes + 1)): the most voted matches first, without rewriting the row at each vote.
    vote_level: Mapped[int] = mapped_column(SmallInteger)


def _gin(name: str, table, expression, **options) -> Index:
    return Index(name, expression, postgresql_using="gin", _table=table.__table__, **options).ddl_if(
        dialect="postgresql"
    )


def in_fields(weights: str):
    """The document's lexemes of these weights ("a,b": title and body; "c": official responses; "d":
    comments), positions kept: each has a GIN index, so a search matches a field group exactly."""
    return func.ts_filter(SearchDocument.document, literal_column(f"'{{{weights}}}'::\"char\"[]"))


TITLE_BODY, RESPONSES, COMMENTS = "a,b", "c", "d"
PENDING_LIST = {"gin_pending_list_limit": 64}  # kB; each search reads the pending list (migration 0012)
FIELD_INDEXES = [
    _gin(f"ix_search_documents_{name}", SearchDocument, in_fields(weights), postgresql_with=PENDING_LIST)
    for name, weights in (("title_body", TITLE_BODY), ("responses", RESPONSES), ("comments", COMMENTS))
]
ORDER_INDEXES = [
    Index(name, *columns, _table=SearchDocument.__table__).ddl_if(dialect="postgresql")
    for name, columns in (
        ("ix_search_documents_vote_level", ("vote_level", "post_id")),
        ("ix_search_documents_status_vote_level", ("status", "vote_level", "post_id")),
        ("ix_search_documents_category_vote_level", ("category_id", "vote_level", "post_id")),
    )
]
