"""Drop SQLite's FTS5 search pieces (migration 0010): the `sqlite` search backend is gone.

Why: issue 26, one search interface. Whoosh (the default) meets the search latency target at
100,000 posts on SQLite, and PostgreSQL's full text serves several app servers; the FTS5 backend
earned neither, while its triggers wrote a piece for every comment, response and post (and moved
a post's pieces as its votes grew) on every SQLite database, whatever SEARCH_BACKEND said
(docs/decisions/search-backends.md). Dropping a table and its triggers alters no table, so there
is nothing for batch mode to copy. PostgreSQL never had them.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 05:00:00

"""
import importlib.util
from pathlib import Path

from alembic import op


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None

TRIGGERS = [
    f"search_pieces_{row}_{event}"
    for row in ("post", "comment", "response")
    for event in ("insert", "update", "delete")
]


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    op.execute("DROP TABLE IF EXISTS search_pieces")  # FTS5 drops its shadow tables with it


def downgrade():
    """The table and triggers as migration 0010 made them, filled from the tables again."""
    spec = importlib.util.spec_from_file_location("_0010", Path(__file__).with_name("0010_sqlite_search_pieces.py"))
    made_them = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(made_them)
    made_them.upgrade()
