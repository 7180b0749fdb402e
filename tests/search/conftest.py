import pytest

from forum import search
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
