import contextlib

import pytest

from forum import search
from forum.models import AnonymousUser
from forum.permissions import Guardian
from tests.conftest import TEST_DATABASE

# The PostgreSQL and SQLite backends search the database itself, so each runs in its own half of
# `make test`; Whoosh runs in both halves.
BACKENDS = ["whoosh", "postgres"] if TEST_DATABASE == "postgresql" else ["whoosh", "sqlite"]


@pytest.fixture(params=BACKENDS)
def search_backend(request, app):
    """Each search test runs once per backend available on this database."""
    previous = app.config["SEARCH_BACKEND"]
    app.config["SEARCH_BACKEND"] = request.param
    with app.app_context():
        search.backend().clear()  # ids are reused after the tables are emptied
    yield request.param
    app.config["SEARCH_BACKEND"] = previous


@pytest.fixture
def whoosh_index(app):
    with app.app_context():
        app.config["SEARCH_BACKEND"] = "whoosh"
        search.backend().clear()
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


def titles(text, viewer=None, **filters) -> list[str]:
    """The titles a search finds, sorted."""
    results = search.search(Guardian(viewer or AnonymousUser()), search.SearchRequest(text=text, **filters))
    return sorted(hit.post.title for hit in results.hits)
