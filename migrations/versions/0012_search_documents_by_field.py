"""Search documents indexed by field: one GIN index per weight group instead of one on the document.

Why: issue 7, the PostgreSQL search backend's varied searches (p99 97.6 ms at 100,000 posts, target
50). A post matches when all the words are in its title and body, or all in its official responses,
or all in its comments; on the one GIN index of 0009 that was a tsquery with every lexeme restricted
to a weight ('export':AB & 'invoic':AB | ...), and GIN keeps no weights: every candidate row was read
and its whole document matched again (a recheck, ~1.3 µs a row, and candidates that hold the words
in different fields, 2,789 of 13,447 for "export invoice", read for nothing). Now each field group
has an index of its own, on `ts_filter(document, ...)` (the document's lexemes of those weights,
positions kept), and a search is three plain tsqueries OR'ed: a BitmapOr of three index scans that
answer exactly, no row matched again. The same results (300 varied searches compared); database
time of those searches at 100,000 posts: mean 7.3-10.1 -> 4.5-6.2 ms, p99 23-33 -> 11-15 ms.

The document itself is unchanged (ts_rank reads it), written by the same triggers; its own GIN index
is dropped: nothing reads it now (similar posts match `ts_filter(document, '{a,b}')` too), and each
new comment wrote it. The three take 11.6 MB at 100,000 seeded posts, the one they replace 18 MB.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26 15:20:00

"""
from alembic import op


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

# A GIN index queues new entries in a pending list, merged into the index once it passes this size,
# and every search reads the whole list: the default, 4 MB (512 pages), is reached only after
# thousands of comments, votes past a level and edits. 35 pending pages already made the searches'
# statement 50% slower at 100,000 posts (mean 5.8 -> 8.8 ms); 64 kB keeps it to 8 pages, merged by
# the write that fills it (5,000 documents rewritten in one statement: 65-105 ms either way).
PENDING_LIST_KB = 64  # also in forum/models/search.py

# (name, weights): the same expressions as forum/models/search.py's FIELD_INDEXES and the queries.
FIELD_INDEXES = [
    ('ix_search_documents_title_body', 'a,b'),
    ('ix_search_documents_responses', 'c'),
    ('ix_search_documents_comments', 'd'),
]


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    for name, weights in FIELD_INDEXES:
        op.execute(f"""CREATE INDEX {name} ON search_documents USING gin (ts_filter(document, '{{{weights}}}'::"char"[]))
                       WITH (gin_pending_list_limit = {PENDING_LIST_KB})""")
    op.drop_index('ix_search_documents_document', table_name='search_documents')
    op.execute("ANALYZE search_documents")  # the planner's statistics of the new expressions


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.create_index('ix_search_documents_document', 'search_documents', ['document'], postgresql_using='gin')
    for name, _weights in FIELD_INDEXES:
        op.drop_index(name, table_name='search_documents')
