import pytest

from forum import search
from tests.conftest import TEST_DATABASE

BACKENDS = ["whoosh", "postgres"]


@pytest.fixture(params=BACKENDS)
def search_backend(request, app):
    """Each search test runs once per backend; PostgreSQL's only on PostgreSQL."""
    if request.param == "postgres" and TEST_DATABASE != "postgresql":
        pytest.skip("the PostgreSQL search backend needs TEST_DATABASE=postgresql")
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
