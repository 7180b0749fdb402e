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


# -- limits counted by every worker of a server (security review, finding 5) -------------------------
def _gunicorn(database_url, tmp_path, workers: int, **env):
    import os
    import socket
    import subprocess
    import sys
    from pathlib import Path

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "limits-test",
        "RATELIMIT_ENABLED": "1",
        "DELIVERY": "manual",
        "MAIL_OUTBOX": str(tmp_path / "outbox"),
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "VISITOR_PAGE_DIR": str(tmp_path / "pages"),
        "VISITOR_PAGE_STAMP": str(tmp_path / "stamp"),
        **env,
    }
    if "REDIS_URL" not in env:
        settings.pop("REDIS_URL", None)
    root = Path(__file__).resolve().parents[2]
    command = [str(Path(sys.executable).parent / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{port}"]
    server = subprocess.Popen([*command, "wsgi:app"], cwd=root, env=settings, stderr=subprocess.PIPE, text=True)
    return server, f"http://127.0.0.1:{port}"


def _wait_until_up(server, url: str) -> None:
    import time
    import urllib.request

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read()
        try:
            urllib.request.urlopen(f"{url}/healthz", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("gunicorn did not answer within 30 seconds")


def test_two_workers_without_redis_refuse_to_start_and_say_why(database_url, tmp_path):
    server, _ = _gunicorn(database_url, tmp_path, workers=2)
    try:
        code = server.wait(timeout=60)
        errors = server.stderr.read()
    finally:
        if server.poll() is None:
            server.kill()
        server.stderr.close()
    assert code != 0
    assert "without REDIS_URL would each keep their own abuse-limit counts" in errors


def test_two_workers_share_the_sign_in_limit_through_redis(database_url, tmp_path):
    import http.cookiejar
    import urllib.error
    import urllib.parse
    import urllib.request
    import uuid

    prefix = f"limits-test-{uuid.uuid4().hex}"
    redis = live_redis("redis://127.0.0.1:6379/0")
    server, url = _gunicorn(
        database_url, tmp_path, workers=2, REDIS_URL="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=prefix
    )
    try:
        _wait_until_up(server, url)
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        token = csrf_token_from(opener.open(f"{url}/login", timeout=10).read().decode())
        codes = []
        for _ in range(14):  # the review's 14 wrong passwords for one email, on two workers
            form = urllib.parse.urlencode(
                {"email": "victim@example.com", "password": "wrong password", "csrf_token": token}
            ).encode()
            try:
                codes.append(opener.open(f"{url}/login", data=form, timeout=10).status)
            except urllib.error.HTTPError as answer:
                codes.append(answer.code)
                answer.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stderr.close()
        for key in redis.scan_iter(f"{prefix}*"):
            redis.delete(key)
        redis.close()
    assert codes[:10] == [422] * 10
    assert codes[10:] == [429] * 4
