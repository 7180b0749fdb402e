"""Full-text indexes for the PostgreSQL search backend (forum/search/postgres.py).

Expression GIN indexes rather than stored tsvector columns: nothing to keep in
step on write, and the other databases see no extra column. They exist on
PostgreSQL only (`ddl_if`); tests/test_migrations.py leaves them out of the
comparison on SQLite, where migration 0006 does not create them either.
"""

from sqlalchemy import Index, func, literal_column

from forum.models.post import Comment, OfficialResponse, Post

# Both the indexes and the queries name the configuration literally: a
# parameter would not match the index expression, and PostgreSQL would scan.
LANGUAGE = literal_column("'english'::regconfig")


def post_vector(table=Post):
    """Title (weight A) and body (weight B) of a post."""
    return func.setweight(func.to_tsvector(LANGUAGE, table.title), literal_column("'A'")).op("||")(
        func.setweight(func.to_tsvector(LANGUAGE, table.body), literal_column("'B'"))
    )


def text_vector(column):
    return func.to_tsvector(LANGUAGE, column)


def _gin(name: str, table, expression) -> Index:
    return Index(name, expression, postgresql_using="gin", _table=table.__table__).ddl_if(dialect="postgresql")


POST_INDEX = _gin("ix_posts_search", Post, post_vector())
RESPONSE_INDEX = _gin("ix_official_responses_search", OfficialResponse, text_vector(OfficialResponse.body))
COMMENT_INDEX = _gin("ix_comments_search", Comment, text_vector(Comment.body))
