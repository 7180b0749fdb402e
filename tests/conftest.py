"""Fixtures shared by every test: the app on SQLite or PostgreSQL, factories, helpers.

TEST_DATABASE=sqlite (the default) or TEST_DATABASE=postgresql picks the
database; `make test` runs the whole suite once on each. Each xdist worker
gets a database of its own, built by the migrations (so they are tested too).
"""

import contextvars
import itertools
import os
from contextlib import contextmanager

import numpy as np
import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event, text
from sqlalchemy.orm import close_all_sessions

from forum import caching, create_app, semantic
from forum.extensions import db, limiter
from forum.models import Category, Kind, PostStatus, Role, statuses, tags
from forum.semantic.encoder import DIMENSIONS, Encoder
from forum.services import accounts, posts

TEST_DATABASE = os.environ.get("TEST_DATABASE", "sqlite")
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
PASSWORD = "correct horse battery"


def pytest_collection_modifyitems(config, items):
    """Browser tests run in the SQLite half only: Chromium gets the same pages whichever database holds
    the rows, and the views' own tests run in both halves. A browser test that depends on the
    database says so with `every_database`; tests/cluster/ needs PostgreSQL and runs there."""
    if TEST_DATABASE != "postgresql":
        return
    once = pytest.mark.skip(reason="a browser test: the same pages on either database; runs in the SQLite half")
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("every_database"):
            item.add_marker(once)


def _postgres_database(worker: str) -> str:
    """A fresh database for this worker of this run (two runs at once never share one)."""
    import psycopg

    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", f"p{os.getpid()}")[:12]
    name = f"forum_test_{run}_{worker}"
    try:
        with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        pytest.exit(
            f"TEST_DATABASE=postgresql but PostgreSQL at {base} does not answer ({error}). "
            "Start it (pg_ctlcluster <version> main start) or run with TEST_DATABASE=sqlite.",
            returncode=3,
        )
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    worker_id = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if TEST_DATABASE == "postgresql":
        return _postgres_database(worker_id)
    if TEST_DATABASE != "sqlite":
        pytest.exit(f"TEST_DATABASE must be sqlite or postgresql, not {TEST_DATABASE!r}", returncode=3)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "forum.db")


class IsolatedClient(FlaskClient):
    """Each request runs in a fresh context, as in production: its own app
    context, database session, `g` and signed-in user, whatever the test holds."""

    def open(self, *args, **kwargs):
        def isolated():
            try:
                response = super(IsolatedClient, self).open(*args, **kwargs)
                response.get_data()  # read streamed bodies while their context is alive
                response.close()  # as a server does once the body is sent: what runs then has run
                return response
            finally:
                # Flask keeps the request's contexts for inspection; they belong
                # to this throwaway context, so end them here.
                self._context_stack.close()

        response = contextvars.Context().run(isolated)
        if has_app_context():
            # End the test's own read snapshot so it sees what the request committed.
            db.session.rollback()
        return response


class RememberingEncoder(Encoder):
    """The sentence model, each text's vector computed once per test process. Encoding is a pure
    function, and dozens of tests embed the same demo posts and pairs. A text met for the first time
    goes through the model, so the parity test of tests/semantic still checks the model itself."""

    def __init__(self, path):
        super().__init__(path)
        self.known: dict[str, np.ndarray] = {}

    def encode(self, texts, batch_size=32):
        new = list(dict.fromkeys(t for t in texts if t not in self.known))
        self.known.update(zip(new, super().encode(new, batch_size), strict=True))
        return np.array([self.known[t] for t in texts], dtype=np.float32).reshape(len(texts), DIMENSIONS)


@pytest.fixture(scope="session", autouse=True)
def _vectors_computed_once():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(semantic, "Encoder", RememberingEncoder)
        yield


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    os.environ.pop("DATABASE_URL", None)
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_ENABLED": False,
            "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
            "SERVER_NAME": None,
            "MAIL_OUTBOX": str(tmp_path_factory.mktemp("outbox")),
            "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("search-index")),
            "CACHE_DIR": str(tmp_path_factory.mktemp("visitor-pages")),
            "CARD_DIR": str(tmp_path_factory.mktemp("cards")),
            "DELIVERY": "manual",  # tests deliver the outbox themselves
            "SEMANTIC_REFRESH_SECONDS": 0,  # the tables are emptied between tests
        }
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()  # close pooled connections before the interpreter does
    if TEST_DATABASE == "postgresql":
        _drop_postgres_database(database_url)


def _drop_postgres_database(url: str) -> None:
    import psycopg

    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')


TABLES = (
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_subscriptions",
    "webhook_endpoints",
    "release_note_posts",
    "release_notes",
    "post_tags",
    "tags",
    "outbox_messages",
    "notifications",
    "email_preferences",
    "follows",
    "audit_entries",
    "api_keys",
    "flags",
    "internal_notes",
    "comment_revisions",
    "response_revisions",
    "post_revisions",
    "not_duplicates",
    "post_vectors",
    "status_changes",
    "merge_moves",
    "post_merges",
    "official_responses",
    "comments",
    "votes",
    "posts",
    "categories",
    "company_imports",
    "identities",
    "used_sign_in_tokens",
    "sign_in_providers",
    "company_members",
    "companies",
    "users",
)


@pytest.fixture(autouse=True)
def _clean_database(app):
    yield
    # Any session a test left in a transaction would block TRUNCATE.
    close_all_sessions()
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY CASCADE"))
        else:
            for table in TABLES:
                db.session.execute(text(f"DELETE FROM {table}"))
        _reset_statuses()
        db.session.commit()
        # Read again now, as a server reads them once: a test that counts a page's queries counts its own.
        statuses(), tags()
    # The limiter is one object for every app: a test that built its own app
    # (create_app turns limits on by default) must not leave them on for the next.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    if app.config["RATELIMIT_ENABLED"]:
        limiter.reset()


# The statuses migration 0027 seeds, as it seeds them: a test that adds, renames or archives one leaves
# the next test the six of a new forum.
SEED_STATUSES = [
    ("open", "Open", "open", "gray", 0, True),
    ("under_review", "Under review", "review", "amber", 1, True),
    ("planned", "Planned", "active", "indigo", 2, True),
    ("in_progress", "In progress", "active", "blue", 3, True),
    ("done", "Done", "done", "green", 4, True),
    ("declined", "Declined", "declined", "red", 5, False),
]


def _reset_statuses():
    slugs = [row[0] for row in SEED_STATUSES]
    db.session.execute(PostStatus.__table__.delete().where(PostStatus.slug.not_in(slugs)))
    for slug, label, kind, color, position, shown in SEED_STATUSES:
        db.session.execute(
            PostStatus.__table__.update()
            .where(PostStatus.slug == slug)
            .values(label=label, kind=kind, color=color, position=position, show_on_roadmap=shown, archived_at=None)
        )
    caching.will_change(db.session, "statuses")
    caching.will_change(db.session, "tags")


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield


_numbers = itertools.count(1)


@pytest.fixture
def make_user(app_ctx):
    def make(role: Role = Role.MEMBER, *, email: str | None = None, name: str | None = None, password=PASSWORD):
        n = next(_numbers)
        user = accounts.create_user(email or f"user{n}@example.com", password, name or f"User {n}", Role(role))
        db.session.commit()
        return user

    return make


@pytest.fixture
def category(app_ctx):
    found = db.session.scalars(db.select(Category).where(Category.slug == "mobile-app")).first()
    if found:
        return found
    cat = Category(slug="mobile-app", name="Mobile app", description="The iOS and Android apps.")
    db.session.add(cat)
    db.session.commit()
    return cat


@pytest.fixture
def make_post(make_user, category):
    def make(author=None, *, title=None, body="Details of the post.", kind=Kind.IDEA, cat=None):
        author = author or make_user()
        title = title or f"Post number {next(_numbers)}"
        post = posts.create_post(author, kind=kind, title=title, body=body, category=cat or category)
        db.session.commit()
        return post

    return make


@pytest.fixture
def login_as(client):
    """Sign a user in on the test client, as the sign-in form would."""

    def login(user):
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return user

    return login


@pytest.fixture
def count_queries(app):
    """`with count_queries() as queries: ...` then len(queries)."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            event.remove(engine, "before_cursor_execute", record)

    return counting


@pytest.fixture
def outbox(app):
    """The emails sent during the test, oldest first, as email.message objects."""
    import email
    from email import policy
    from pathlib import Path

    folder = Path(app.config["MAIL_OUTBOX"])
    for old in folder.glob("*.eml"):
        old.unlink()

    def messages():
        files = sorted(folder.glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)
        return [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]

    return messages


@pytest.fixture
def smtp_server(app, monkeypatch):
    """A real SMTP server (aiosmtpd) on a free local port; the app's mail goes through it during the
    test. Yields the raw messages it received, as bytes, oldest first."""
    import socket

    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Inbox:
        async def handle_DATA(self, server, session, envelope):
            received.append(envelope.original_content)
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    for name, value in {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": port, "MAIL_USE_TLS": False}.items():
        monkeypatch.setitem(app.config, name, value)
    try:
        yield received
    finally:
        controller.stop()


def link_in(message, path_prefix: str) -> str:
    """The site-relative link starting with path_prefix in a plain-text email."""
    import re

    text = message.get_body(preferencelist=("plain",)).get_content()
    match = re.search(r"https?://[^/\s]+(" + re.escape(path_prefix) + r"\S*)", text)
    assert match, f"no {path_prefix} link in:\n{text}"
    return match.group(1)


def csrf_token_from(html: str) -> str:
    """The CSRF token of a page: its `<meta>` (a member's page) or a form's hidden field (a visitor's
    page carries one only in a form that needs it, such as sign-in)."""
    import re

    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html) or re.search(
        r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html
    )
    assert found, f"no CSRF token in {html[:300]}"
    return found.group(1)


def has_csrf_token(html: str) -> bool:
    return 'name="csrf-token"' in html or 'name="csrf_token"' in html


@pytest.fixture
def send(client):
    """POST a form as a browser would: with the session's CSRF token."""

    def post(url, data=None, **kwargs):
        # A member's every page carries the token (a 404 is the cheapest); a visitor's, the sign-in form.
        page = client.get("/__csrf__").get_data(as_text=True)
        if not has_csrf_token(page):
            page = client.get("/login").get_data(as_text=True)
        token = csrf_token_from(page)
        headers = {"X-CSRFToken": token, **kwargs.pop("headers", {})}
        return client.post(url, data={**(data or {}), "csrf_token": token}, headers=headers, **kwargs)

    return post


def live_redis(url: str):
    """A client of the machine's Redis at `url`; the test fails, saying so, when Redis does not answer."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as error:
        pytest.fail(f"Redis at {url} does not answer ({error}); start redis-server to run this test.")
    return client
