"""Drop the expression search indexes no query reads any more (PostgreSQL).

Why: issue 7. Migration 0006 indexed `to_tsvector` of posts' title and body,
of official responses and of comments; since 0009 searches read the stored
`search_documents`, and since this migration similar posts do too, so the
three indexes only cost writes (every new comment parsed its body once more
for an index nothing read). SQLite never had them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26 10:15:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

INDEXES = (
    ('ix_posts_search', 'posts',
     "(setweight(to_tsvector('english'::regconfig, title), 'A') || "
     "setweight(to_tsvector('english'::regconfig, body), 'B'))"),
    ('ix_official_responses_search', 'official_responses', "to_tsvector('english'::regconfig, body)"),
    ('ix_comments_search', 'comments', "to_tsvector('english'::regconfig, body)"),
)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table, _ in INDEXES:
            op.drop_index(name, table_name=table)


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for name, table, expression in INDEXES:
            op.create_index(name, table, [sa.text(expression)], postgresql_using='gin')
