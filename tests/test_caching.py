"""Caching (forum/caching.py): visitors' whole pages under the request and the write version, ETags
and 304s, no cookie for a visitor, fingerprinted static files."""

import re
from contextlib import contextmanager

import pytest
from flask import flash, render_template_string

from forum import caching, create_app
from forum.extensions import db
from forum.models import Post
from forum.services import votes
from tests.conftest import IsolatedClient

VOTES_PAGE = "{% for post in posts %}<p>{{ post.title }}: {{ post.vote_count }} votes</p>{% endfor %}"


@contextmanager
def app_with_a_new_page(app, **settings):
    """A second app on the test database (a route cannot be added to one that has served requests),
    with a page written as any page author would: it loads, renders, returns, and says on one line
    that visitors may be served it from the cache. `calls` counts the times the view ran."""
    other = create_app({**app.config, **settings})
    other.test_client_class = IsolatedClient
    calls: list[str] = []

    @other.get("/votes")
    @caching.for_visitors
    def votes_page():
        calls.append("ran")
        posts = db.session.scalars(db.select(Post).order_by(Post.id)).all()
        return render_template_string(VOTES_PAGE, posts=posts)

    @other.get("/flashed")
    @caching.for_visitors
    def flashed():
        calls.append("ran")
        flash("Your vote is counted.", "success")
        return render_template_string("{% for m in get_flashed_messages() %}<p>{{ m }}</p>{% endfor %}")

    try:
        yield other, calls
    finally:
        with other.app_context():
            db.engine.dispose()


def test_a_new_page_is_served_from_the_cache_and_shows_a_vote_made_in_between(app, make_post, make_user):
    post = make_post(title="Dark mode")
    with app_with_a_new_page(app) as (other, calls):
        first, second = other.test_client(), other.test_client()
        assert "Dark mode: 1 votes" in first.get("/votes").get_data(as_text=True)
        assert "Dark mode: 1 votes" in second.get("/votes").get_data(as_text=True)
        assert calls == ["ran"]  # the second visitor got the first one's page

        votes.add(make_user(), post)
        db.session.commit()
        assert "Dark mode: 2 votes" in second.get("/votes").get_data(as_text=True)
        assert "Dark mode: 2 votes" in first.get("/votes").get_data(as_text=True)
        assert calls == ["ran", "ran"]


def test_a_signed_in_page_is_never_stored_nor_served_from_the_cache(app, make_post, make_user):
    make_post(title="Dark mode")
    member = make_user(name="Member Mona")
    with app_with_a_new_page(app) as (other, calls):
        visitor, signed_in = other.test_client(), other.test_client()
        with signed_in.session_transaction() as session:
            session["_user_id"], session["_fresh"] = member.get_id(), True
        visitor.get("/votes")
        for _ in range(2):
            response = signed_in.get("/votes")
            assert "Dark mode: 1 votes" in response.get_data(as_text=True)
            assert response.headers["Cache-Control"] == "private, no-store"
            assert "ETag" not in response.headers
        assert calls == ["ran"] * 3
        visitor.get("/votes")
        assert calls == ["ran"] * 3  # what the member was shown went nowhere


def test_members_get_their_own_pages_of_the_sites_views(client, login_as, make_user, make_post):
    post = make_post()
    client.get("/")  # a visitor's, cached
    login_as(make_user(name="Member Mona"))
    for url in ("/", f"/posts/{post.id}-{post.slug}", "/roadmap", "/search?q=post"):
        response = client.get(url)
        assert "Member Mona" in response.get_data(as_text=True), url
        assert "ETag" not in response.headers
        assert "no-store" in response.headers["Cache-Control"]


def test_a_page_with_a_flash_message_is_never_stored(app, client, make_post):
    make_post(title="Dark mode")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "You are signed out.")]
    assert "You are signed out." in client.get("/").get_data(as_text=True)
    assert "You are signed out." not in client.get("/").get_data(as_text=True)
    with app_with_a_new_page(app) as (other, calls):
        visitor = other.test_client()
        for _ in range(2):
            response = visitor.get("/flashed")
            assert "Your vote is counted." in response.get_data(as_text=True)
            assert response.headers["Cache-Control"] == "private, no-cache"
        assert calls == ["ran", "ran"]


@pytest.mark.parametrize("path", ["/", "/?sort=new", "{post}", "/roadmap", "/search?q=dark", "/changelog"])
def test_a_visitors_get_sets_no_cookie_and_a_repeat_gets_a_304(app, make_post, path):
    post = make_post(title="Dark mode")
    path = path.format(post=f"/posts/{post.id}-{post.slug}")
    client = app.test_client()
    first = client.get(path)
    assert first.status_code == 200
    assert "Set-Cookie" not in first.headers
    assert client.get_cookie("session") is None
    assert first.headers["Cache-Control"] == "public, no-cache"
    assert "Cookie" in first.headers["Vary"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert "Set-Cookie" not in again.headers


def test_a_visitor_gets_304_until_a_vote_changes_the_page(client, make_post, make_user):
    post = make_post()
    etag = client.get("/").headers["ETag"]
    assert client.get("/", headers={"If-None-Match": etag}).status_code == 304
    votes.add(make_user(), post)
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert re.search(r'class="vote-count">\s*2\s*<', changed.get_data(as_text=True))


def test_a_visitor_votes_through_sign_in_and_comes_back(client, make_post):
    post = make_post(title="Dark mode")
    page = client.get("/?sort=new").get_data(as_text=True)
    assert f'action="/posts/{post.id}/vote"' not in page  # no form, hence no CSRF token, for a visitor
    assert 'href="/login?next=/?sort%3Dnew"' in page
    assert client.get_cookie("session") is None


def test_any_commit_makes_the_next_visitor_page_new(app, client, make_post, count_queries):
    """Written by a `flask` command, a job or another worker: every session commit moves the version."""
    post = make_post(title="Dark mode")
    client.get("/")
    with count_queries() as queries:
        assert "Dark mode" in client.get("/").get_data(as_text=True)
    assert queries == []  # served from the cache
    post.title = "Dark mode everywhere"
    db.session.commit()  # not through a request
    assert "Dark mode everywhere" in client.get("/").get_data(as_text=True)


def test_a_vote_committed_while_a_page_renders_shows_on_the_next_view(app, client, make_post, make_user, monkeypatch):
    """The version is read before the rows: a page rendered from rows older than a commit is never
    served after it."""
    from forum.services import posts

    post = make_post()
    voter = make_user()
    real_listing = posts.listing

    def vote_after_the_rows_are_read(*args, **kwargs):
        rows = real_listing(*args, **kwargs)
        monkeypatch.setattr(posts, "listing", real_listing)
        with app.app_context():
            votes.add(db.session.merge(voter), db.session.merge(post))
            db.session.commit()
        return rows

    def count(page: str) -> str:
        return re.search(r'class="vote-count">\s*(\d+)\s*<', page).group(1)

    monkeypatch.setattr(posts, "listing", vote_after_the_rows_are_read)
    assert count(client.get("/").get_data(as_text=True)) == "1"  # rows read before the vote
    assert count(client.get("/").get_data(as_text=True)) == "2"


def test_a_visitor_finds_a_new_post_at_once_though_the_search_page_is_cached(client, make_post, count_queries):
    """The search index is written after the commit: it moves the version again once written."""
    from forum import search

    # From the emptied tables: an earlier test's posts about "offline" would count in the index.
    search.backend().reindex()
    make_post(title="Offline mode for the app")
    assert "Offline mode for the app" in client.get("/search?q=offline").get_data(as_text=True)
    with count_queries() as queries:
        client.get("/search?q=offline")
    assert queries == []
    make_post(title="Offline maps")
    page = client.get("/search?q=offline").get_data(as_text=True)
    assert "Offline maps" in page and "2 posts found" in page


def test_pages_are_kept_apart_by_address_and_by_database(app, client, make_post, tmp_path):
    make_post(title="Dark mode")
    assert client.get("/?kind=complaint").get_data(as_text=True).count('<li class="post-card') == 0
    assert client.get("/?kind=idea").get_data(as_text=True).count('<li class="post-card') == 1
    other_database = "sqlite:///" + str(tmp_path / "other.db")
    from flask_migrate import upgrade

    with app_with_a_new_page(app, SQLALCHEMY_DATABASE_URI=other_database) as (other, _):
        with other.app_context():
            upgrade()
        # the same address, the same folder of pages, another site
        assert "Dark mode" not in other.test_client().get("/?kind=idea").get_data(as_text=True)


def test_pages_that_only_read_run_their_queries_without_a_transaction(app, client, login_as, make_user, make_post):
    """`reads_only`: no BEGIN and ROLLBACK around a visitor's queries; a member's request, which
    began its transaction by loading the member, keeps it."""
    from sqlalchemy import event

    post = make_post()
    seen: list[str | None] = []

    def record(conn, cursor, statement, *args):
        if "FROM posts" in statement:
            seen.append(conn.get_execution_options().get("isolation_level"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for address in ("/", f"/posts/{post.id}-{post.slug}", "/roadmap", "/search?q=details"):
            seen.clear()
            assert client.get(address).status_code == 200
            assert seen and set(seen) == {"AUTOCOMMIT"}, address
        login_as(make_user())
        seen.clear()
        client.get("/")
        assert seen and "AUTOCOMMIT" not in seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_with_redis_a_commit_on_another_host_shows_at_once(app, make_post, make_user):
    """REDIS_URL: pages and version live in Redis, so two hosts (two apps with their own instance
    folders) share them; one host's commit makes the other's next visitor page new."""
    from tests.conftest import live_redis

    url = "redis://127.0.0.1:6379/13"
    live_redis(url).flushdb()
    redis = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": url}
    post = make_post(title="Dark mode")
    with app_with_a_new_page(app, **redis) as (first, first_calls), app_with_a_new_page(app, **redis) as (second, _):
        assert "Dark mode: 1 votes" in first.test_client().get("/votes").get_data(as_text=True)
        assert "Dark mode: 1 votes" in first.test_client().get("/votes").get_data(as_text=True)
        assert first_calls == ["ran"]
        with second.app_context():  # host b counts a vote: its commit moves the version in Redis
            votes.add(db.session.merge(make_user()), db.session.get(Post, post.id))
            db.session.commit()
        assert "Dark mode: 2 votes" in first.test_client().get("/votes").get_data(as_text=True)


def test_a_store_that_fails_never_fails_a_page_nor_a_commit(app, make_post, caplog):
    """Redis gone: every page is rendered, and commits stand."""
    post = make_post(title="Dark mode")
    gone = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": "redis://127.0.0.1:1/0"}  # nothing listens there
    with app_with_a_new_page(app, **gone) as (other, calls):
        client = other.test_client()
        for _ in range(2):
            assert "Dark mode: 1 votes" in client.get("/votes").get_data(as_text=True)
        assert calls == ["ran", "ran"]
        with other.app_context():
            db.session.get(Post, post.id).title = "Dark mode everywhere"
            db.session.commit()
        assert "Dark mode everywhere: 1 votes" in client.get("/votes").get_data(as_text=True)
    assert "cannot replace the visitor pages' write version" in caplog.text


def test_static_files_are_linked_by_content_and_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/forum\.css\?v=[0-9a-f]{12})"', page)
    assert css, page[:500]
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    response.close()
    plain = client.get("/static/css/forum.css")
    assert plain.cache_control.max_age is None
    plain.close()


def test_times_are_written_as_moments_not_as_how_long_ago(client, make_post):
    """A cached page never goes stale: the HTML says when, in UTC; static/js/forum.js says how long ago
    (tests/browser/test_times.py)."""
    from datetime import UTC, datetime

    post = make_post(title="Dark mode")
    post.created_at = datetime(2026, 12, 7, 14, 5, tzinfo=UTC)
    db.session.commit()
    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert '<time class="relative-time" datetime="2026-12-07T14:05:00Z">7 Dec 2026, 14:05 UTC</time>' in page
    assert " ago<" not in page and "just now" not in page
