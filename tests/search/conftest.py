import contextlib

import pytest

from forum import search
from forum.extensions import db
from forum.models import AnonymousUser, Post
from forum.permissions import Guardian
from tests.conftest import TEST_DATABASE

# Whoosh runs in both halves of `make test`; PostgreSQL's backend searches the database itself.
BACKENDS = [
    "whoosh",
    pytest.param(
        "postgres",
        marks=pytest.mark.skipif(
            TEST_DATABASE != "postgresql",
            reason="the PostgreSQL backend searches PostgreSQL's own full-text documents; "
            "it runs in the TEST_DATABASE=postgresql half",
        ),
    ),
]


@pytest.fixture(params=BACKENDS)
def search_backend(request, app):
    """Each search test runs once per backend, through the SearchBackend Protocol."""
    previous = app.config["SEARCH_BACKEND"]
    app.config["SEARCH_BACKEND"] = request.param
    with app.app_context():
        search.backend().reindex()  # from the emptied tables: ids are reused
    yield request.param
    app.config["SEARCH_BACKEND"] = previous


@pytest.fixture
def whoosh_index(app):
    with app.app_context():
        app.config["SEARCH_BACKEND"] = "whoosh"
        search.backend().reindex()
        yield search.backend()


@contextlib.contextmanager
def searching_with(app, name: str):
    """The app searching with this backend, inside an app context; yields the backend."""
    with app.app_context():
        previous = app.config["SEARCH_BACKEND"]
        app.config["SEARCH_BACKEND"] = name
        try:
            yield search.backend()
        finally:
            app.config["SEARCH_BACKEND"] = previous


def searched(text, viewer=None, *, kind=None, status=None, category=None, **paging) -> search.Results:
    """A search as the results page makes it for this viewer (a visitor by default)."""
    guardian = Guardian(viewer or AnonymousUser())
    filters = search.Filters(
        kind=kind.value if kind else None,
        status=status.value if status else None,
        category_id=category.id if category else None,
        public_only=not guardian.is_moderator,
        hidden_categories=guardian.hidden_category_ids(),
    )
    return search.search(text, filters, **paging)


def title_of(hit: search.Hit) -> str:
    return db.session.get(Post, hit.post_id).title


def titles(text, viewer=None, **filters) -> list[str]:
    """The titles a search finds, sorted."""
    return sorted(title_of(hit) for hit in searched(text, viewer, **filters).hits)
