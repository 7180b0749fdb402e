"""Business actions as verb functions.

Each checks the Guardian, changes rows, flushes, and never commits: the
request (or command) that called it commits once at the end.
"""

from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.exceptions import Conflict


class Refused(Conflict):
    """The action is allowed in general but not now (a closed post, say); the
    description is the message shown to the user."""


def insert_ignoring_duplicates(model, index_elements: list[str], **values):
    """INSERT ... ON CONFLICT DO NOTHING on SQLite and PostgreSQL, returning the new id
    (None when the row was there already)."""
    from forum.extensions import db

    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(model).values(**values).on_conflict_do_nothing(index_elements=index_elements)
    # A row comes back only when this call inserted it (rowcount is not
    # reliable for ORM inserts with RETURNING).
    return db.session.execute(statement.returning(model.id)).scalar_one_or_none()
