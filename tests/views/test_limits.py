"""Sign-in attempts are limited per address, with a 429 page that says when to retry."""

import pytest

from forum import create_app
from forum.extensions import db, limiter
from tests.conftest import IsolatedClient, csrf_token_from


@pytest.fixture
def limited_client(app):
    limited = create_app({**app.config, "RATELIMIT_ENABLED": True})
    limited.test_client_class = IsolatedClient
    client = limited.test_client()
    yield client
    # The limiter is one object shared by both apps: put the suite's setting back.
    with limited.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()  # this app has its own connection pool
    limiter.enabled = app.config["RATELIMIT_ENABLED"]


def test_too_many_sign_in_attempts_get_a_429_page(limited_client):
    token = csrf_token_from(limited_client.get("/login").get_data(as_text=True))
    data = {"email": "someone@example.com", "password": "wrong password", "csrf_token": token}
    codes = [limited_client.post("/login", data=data).status_code for _ in range(21)]
    assert codes[:20] == [422] * 20
    assert codes[20] == 429
    page = limited_client.post("/login", data=data)
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "Slow down a little" in text
    assert "Try again in" in text
    assert "Retry-After" in page.headers
