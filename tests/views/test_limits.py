"""Sign-in attempts are limited per address, with a 429 page that says when to retry."""

import pytest

from forum import create_app
from forum.extensions import db, limiter
from tests.conftest import IsolatedClient, csrf_token_from, live_redis


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

    def data(n):  # a different account each time: the limit per address applies
        return {"email": f"someone{n}@example.com", "password": "wrong password", "csrf_token": token}

    codes = [limited_client.post("/login", data=data(n)).status_code for n in range(21)]
    assert codes[:20] == [422] * 20
    assert codes[20] == 429
    page = limited_client.post("/login", data=data(21))
    assert page.status_code == 429
    text = page.get_data(as_text=True)
    assert "Slow down a little" in text
    assert "Try again in" in text
    assert "Retry-After" in page.headers


def sign_in(client, user):
    with client.session_transaction() as session:
        session["_user_id"] = user.get_id()
    return csrf_token_from(client.get("/__csrf__").get_data(as_text=True))


def test_votes_are_limited_per_account_and_refused_votes_change_nothing(limited_client, make_user, make_post):
    from sqlalchemy import func, select

    from forum.models import Vote

    voter, author = make_user(), make_user()
    posts = [make_post(author) for _ in range(61)]
    token = sign_in(limited_client, voter)
    headers = {"Accept": "application/json", "X-CSRFToken": token}
    codes = [limited_client.post(f"/posts/{p.id}/vote", headers=headers).status_code for p in posts]
    assert codes[:60] == [200] * 60
    assert codes[60] == 429
    refused = limited_client.post(f"/posts/{posts[60].id}/vote", headers=headers)
    assert "Try again in" in refused.get_json()["error"]
    mine = select(func.count()).select_from(Vote).where(Vote.user_id == voter.id)
    assert db.session.scalar(mine) == 60


def test_posting_is_limited_per_account_with_a_page_that_says_when(limited_client, make_user, category):
    from sqlalchemy import func, select

    from forum.models import Post

    token = sign_in(limited_client, make_user())
    codes = []
    for n in range(6):
        data = {"kind": "idea", "title": f"Idea {n}", "body": "Body", "category": category.slug, "csrf_token": token}
        codes.append(limited_client.post("/posts", data=data).status_code)
    assert codes == [303] * 5 + [429]
    assert db.session.scalar(select(func.count()).select_from(Post)) == 5


def test_comments_are_limited_per_address_across_accounts(limited_client, make_user, make_post):
    post = make_post()
    codes = []
    for n in range(21):
        token = sign_in(limited_client, make_user())  # a fresh account each time, one address
        data = {"body": f"Comment {n}", "csrf_token": token}
        codes.append(limited_client.post(f"/posts/{post.id}/comments", data=data).status_code)
    assert codes[:20] == [303] * 20
    assert codes[20] == 429


def test_flags_are_limited_per_account(limited_client, make_user, make_post):
    token = sign_in(limited_client, make_user())
    author = make_user()
    posts = [make_post(author) for _ in range(11)]
    codes = [
        limited_client.post(f"/posts/{p.id}/flag", data={"reason": "spam", "csrf_token": token}).status_code
        for p in posts
    ]
    assert codes[:10] == [303] * 10
    assert codes[10] == 429


def test_sign_in_attempts_on_one_account_are_limited_from_any_address(limited_client):
    token = csrf_token_from(limited_client.get("/login").get_data(as_text=True))
    codes = []
    for n in range(11):
        data = {"email": "victim@example.com", "password": "guess", "csrf_token": token}
        codes.append(limited_client.post("/login", data=data, environ_base={"REMOTE_ADDR": f"10.0.0.{n}"}).status_code)
    assert codes == [422] * 10 + [429]


def test_limits_are_shared_through_redis_when_configured(app):
    """With REDIS_URL, every worker counts against the same limits (the machine's Redis)."""
    url = "redis://127.0.0.1:6379/15"
    live_redis(url)
    workers = []
    for _ in range(2):
        worker = create_app({**app.config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": url})
        worker.test_client_class = IsolatedClient
        workers.append(worker)
    try:
        codes = []
        for n in range(21):
            client = workers[n % 2].test_client()  # alternate between two "workers"
            token = csrf_token_from(client.get("/login").get_data(as_text=True))
            data = {"email": f"r{n}@example.com", "password": "wrong password", "csrf_token": token}
            codes.append(client.post("/login", data=data).status_code)
        assert codes[:20] == [422] * 20
        assert codes[20] == 429
    finally:
        for worker in workers:
            with worker.app_context():
                limiter.reset()
                db.session.remove()
                db.engine.dispose()
        limiter.enabled = app.config["RATELIMIT_ENABLED"]
