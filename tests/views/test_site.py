import sqlite3

import psycopg.errors
import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from forum.extensions import db
from forum.models import Comment
from forum.web import CONTENT_SECURITY_POLICY


def test_healthz_answers_while_the_database_does(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_pages_carry_security_headers_and_members_pages_the_csrf_meta(client, login_as, make_user):
    response = client.get("/")
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert 'name="csrf-token"' not in response.get_data(as_text=True)  # a visitor's page needs no session
    login_as(make_user())
    assert '<meta name="csrf-token" content="' in client.get("/").get_data(as_text=True)


def test_an_unexpected_error_gets_the_styled_500_page(client, monkeypatch):
    from forum.posts import views

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.posts, "listing", broken)
    response = client.get("/")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Something went wrong on our side" in page
    assert "boom" not in page


@pytest.mark.parametrize(
    "cause",
    [psycopg.errors.DeadlockDetected("deadlock detected"), sqlite3.OperationalError("database is locked")],
    ids=["postgresql deadlock", "sqlite busy"],
)
def test_a_write_cancelled_by_others_at_that_moment_says_so_and_keeps_the_text(
    cause, make_post, make_user, login_as, send, monkeypatch
):
    """The database cancels a write that met others at the same moment (a deadlock, which a comment and a
    vote on one post could make before migration 0013): a 409 that says to send it again, not a 500."""
    from forum.posts import views

    def cancelled(*args, **kwargs):
        raise OperationalError("UPDATE posts SET ...", {}, cause)

    post = make_post()
    login_as(make_user())
    monkeypatch.setattr(views.comments, "add_comment", cancelled)
    response = send(f"/posts/{post.id}/comments", {"body": "It crashes when I export **twice**."})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "so this was cancelled" in page and "it is safe to send it again" in page
    assert "It crashes when I export **twice**." in page  # the comment, in the kept text
    monkeypatch.setattr(views.votes, "add", cancelled)
    response = send(f"/posts/{post.id}/vote", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.json == {
        "error": "Someone else changed the same thing at that very moment, so this was cancelled. "
        "Nothing was saved: it is safe to send it again."
    }
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_json_clients_get_json_errors(client):
    response = client.get("/posts/123456", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.json == {"error": "It may have been moved or deleted, or the address is mistyped."}


def test_wrong_method_gets_a_405_page(client):
    response = client.get("/posts/1/vote")
    assert response.status_code == 405
    assert "That is not how this page works" in response.get_data(as_text=True)


def test_cookies_are_httponly_samesite_and_secure_over_https(make_user, client, send):
    make_user(email="c@example.com")
    plain = send("/login", {"email": "c@example.com", "password": "correct horse battery", "remember": "y"})
    cookies = plain.headers.getlist("Set-Cookie")
    session_cookie = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session_cookie and "SameSite=Lax" in session_cookie
    assert "Secure" not in session_cookie  # plain HTTP in development keeps working
    assert "Strict-Transport-Security" not in plain.headers

    secure = client.get("/", base_url="https://localhost")
    assert "Secure" in next(c for c in secure.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert secure.headers["Referrer-Policy"] == "same-origin"


def test_a_json_body_that_is_no_object_gets_a_400(client, make_post, make_user, login_as):
    """Forms take a JSON body as their fields; `0` or `[]` made Flask-WTF raise TypeError (a 500)."""
    from forum.extensions import db
    from forum.models import Comment
    from tests.conftest import csrf_token_from

    post = make_post(title="Walrus board")
    login_as(make_user())
    token = csrf_token_from(client.get("/__csrf__").get_data(as_text=True))
    for body in (b"0", b"[]", b'"hello"', b"true"):  # null is an empty form: 422, the form and its errors
        response = client.post(f"/posts/{post.id}/comments", data=body,
                               headers={"Content-Type": "application/json", "X-CSRFToken": token})  # fmt: skip
        assert response.status_code == 400, body
        assert "must be an object" in response.get_data(as_text=True)
    assert db.session.query(Comment).count() == 0


def test_a_server_worker_is_warmed_before_its_first_request(app):
    """gunicorn's post_worker_init (gunicorn.conf.py) compiles the busiest pages' templates and opens
    the search index; it leaves alone the other apps the bench serves with the same settings."""
    import importlib.util
    from pathlib import Path
    from types import SimpleNamespace

    from flask import Flask

    from forum import search
    from forum.web import BUSIEST_TEMPLATES

    spec = importlib.util.spec_from_file_location("gunicorn_conf", Path(app.root_path).parent / "gunicorn.conf.py")
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    with app.app_context():
        backend = search.backend()
        backend._forget_searcher()
    app.jinja_env.cache.clear()

    conf.post_worker_init(SimpleNamespace(wsgi=Flask("hello_app")))
    assert backend._searcher_kept is None and not app.jinja_env.cache

    conf.post_worker_init(SimpleNamespace(wsgi=app, cfg=SimpleNamespace(workers=1)))
    assert backend._searcher_kept is not None
    compiled = {name for _, name in app.jinja_env.cache}
    assert {"base.html", "_macros.html", "search/results.html"} <= set(BUSIEST_TEMPLATES) <= compiled
