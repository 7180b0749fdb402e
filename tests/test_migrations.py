import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import MetaData, text

from forum import create_app
from forum.extensions import db
from tests.conftest import TEST_DATABASE, _drop_postgres_database, _postgres_database


def test_the_migrations_build_exactly_the_models(app_ctx):
    """The suite's schema comes from the migrations: nothing in the models is missing from them."""
    with db.engine.connect() as connection:
        metadata = _models_on(connection.dialect.name)
        context = MigrationContext.configure(connection)
        differences = compare_metadata(context, metadata)
    assert differences == []


def _models_on(dialect: str) -> MetaData:
    """The models as this database holds them: indexes declared for one database only
    (`.ddl_if(dialect=...)`, the PostgreSQL full-text indexes) exist there and nowhere else,
    as the migration creates them."""
    elsewhere = {
        index.name
        for table in db.metadata.sorted_tables
        for index in table.indexes
        if getattr(index._ddl_if, "dialect", None) not in (None, dialect)
    }
    metadata = MetaData(naming_convention=db.metadata.naming_convention)
    for table in db.metadata.sorted_tables:
        copy = table.to_metadata(metadata)
        for index in [i for i in copy.indexes if i.name in elsewhere]:
            copy.indexes.discard(index)
    return metadata


@pytest.fixture
def empty_database(tmp_path):
    if TEST_DATABASE != "postgresql":
        yield "sqlite:///" + str(tmp_path / "upgrade.db")
        return
    url = _postgres_database(os.environ.get("PYTEST_XDIST_WORKER", "main") + "_migrations")
    yield url
    _drop_postgres_database(url)


def test_upgrading_a_database_that_holds_data_keeps_every_row(empty_database):
    """Batch migrations rebuild tables on SQLite; rows that point at them must survive."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    with app.app_context():
        upgrade(revision="0001")
        now = "2026-01-05 10:00:00"
        db.session.execute(
            text(
                "INSERT INTO users (id, email, display_name, password_hash, role, created_at, session_version) "
                "VALUES (1, 'a@example.com', 'A', 'x', 'staff', :now, 1)"
            ),
            {"now": now},
        )
        db.session.execute(text("INSERT INTO categories (id, slug, name, description, position) "
                                "VALUES (1, 'c', 'C', '', 0)"))  # fmt: skip
        db.session.execute(
            text(
                "INSERT INTO posts (id, kind, title, slug, body, body_html, category_id, author_id, status, "
                "vote_count, comment_count, trending_score, created_at, last_activity_at, is_hidden, is_locked, "
                "is_pinned) VALUES (1, 'idea', 'T', 't', 'b', '<p>b</p>', 1, 1, 'planned', 1, 1, 0, :now, :now, "
                "false, false, false)"
            ),
            {"now": now},
        )
        db.session.execute(text("INSERT INTO votes (user_id, post_id, created_at) VALUES (1, 1, :now)"), {"now": now})
        db.session.execute(
            text(
                "INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) "
                "VALUES (1, 1, 'c', '<p>c</p>', :now, false)"
            ),
            {"now": now},
        )
        db.session.execute(
            text(
                "INSERT INTO status_changes (post_id, actor_id, from_status, to_status, created_at) "
                "VALUES (1, 1, 'open', 'planned', :now)"
            ),
            {"now": now},
        )
        db.session.commit()

        upgrade()
        counts = {
            table: db.session.execute(text(f"SELECT count(*) FROM {table}")).scalar()
            for table in ("users", "posts", "votes", "comments", "status_changes")
        }
        assert counts == {"users": 1, "posts": 1, "votes": 1, "comments": 1, "status_changes": 1}
        changed_at = db.session.execute(text("SELECT status_changed_at FROM posts")).scalar()
        assert str(changed_at).startswith("2026-01-05 10:00:00")
        db.session.commit()  # release this session's locks before the schema changes again

        downgrade(revision="0001")
        assert db.session.execute(text("SELECT count(*) FROM votes")).scalar() == 1
        db.session.remove()
        db.engine.dispose()


@pytest.mark.skipif(
    TEST_DATABASE != "sqlite",
    reason="SQLite's FTS5 search pieces never existed on PostgreSQL (runs in the SQLite half)",
)
def test_the_sqlite_search_pieces_are_dropped_and_come_back_on_downgrade(empty_database):
    """Migration 0017 drops migration 0010's FTS5 table and its triggers; going back makes them again,
    filled from the tables."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    pieces = text("SELECT count(*) FROM sqlite_master WHERE name LIKE 'search_pieces%'")
    with app.app_context():
        upgrade()
        assert db.session.execute(pieces).scalar() == 0
        db.session.commit()
        downgrade(revision="0016")
        assert db.session.execute(pieces).scalar() > 9  # the table, its shadow tables and nine triggers
        assert db.session.execute(text("SELECT count(*) FROM search_pieces")).scalar() == 0
        db.session.commit()
        upgrade()
        assert db.session.execute(pieces).scalar() == 0
        db.session.remove()
        db.engine.dispose()
