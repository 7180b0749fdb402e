"""Flask extensions, created once and bound to the app in create_app()."""

import functools
import math
import sqlite3

from flask import current_app, has_request_context, request
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
compress = Compress()
limiter = Limiter(key_func=get_remote_address, default_limits=[])

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_on_begin); pysqlite's own
    # deferred BEGIN upgrades to a write lock later and fails at once with
    # "database is locked", ignoring busy_timeout.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    try:
        cursor.execute("SELECT exp(0), ln(1)")
    except sqlite3.OperationalError:
        # SQLite built without its math functions: the trending score needs these two.
        dbapi_connection.create_function("exp", 1, math.exp, deterministic=True)
        dbapi_connection.create_function("ln", 1, math.log, deterministic=True)
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_on_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # Reads run concurrently under WAL; a request that may write takes the
    # write lock up front so it waits (busy_timeout) instead of failing.
    if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
        return  # `reads_only`: each statement is its own transaction
    writing = not has_request_context() or request.method not in READ_METHODS or _writes_on_get()
    conn.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def _writes_on_get() -> bool:
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return getattr(view, "writes_on_get", False)


def writes_on_get(view):
    """For a GET that writes (a sign-in arriving by a link, which cannot be a POST): on SQLite its
    transaction takes the write lock up front, as a POST's does, and waits for it rather than fail."""
    view.writes_on_get = True
    return view


def reads_only(view):
    """For a page that only reads: its queries run without a transaction around them (autocommit).

    On PostgreSQL that saves two of a visitor's round trips per page, BEGIN and ROLLBACK, a large part
    of a cheap page's time. A view wearing this must not
    write: each statement would commit on its own. When the request has already begun a transaction
    (a member's page loads the member first), that transaction is kept."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if not db.session().in_transaction():
            db.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        return view(*args, **kwargs)

    return wrapper
