"""HTTP caching: visitors revalidate with ETags, members' pages are never stored, static URLs are fingerprinted."""

import re

from forum.extensions import db
from forum.services import votes


def test_a_visitor_gets_304_until_a_vote_changes_the_page(client, make_post, make_user):
    post = make_post()
    first = client.get("/")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    votes.add(make_user(), post)
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert ">2<" in changed.get_data(as_text=True).replace(" ", "")


def test_a_cached_page_never_carries_another_sessions_token(client, app, make_post):
    make_post()
    etag = client.get("/").headers["ETag"]
    other = app.test_client()
    assert other.get("/", headers={"If-None-Match": etag}).status_code == 200


def test_members_pages_are_not_stored(client, login_as, make_user, make_post):
    post = make_post()
    login_as(make_user())
    for url in ("/", f"/posts/{post.id}-{post.slug}"):
        response = client.get(url)
        assert response.status_code == 200
        assert "ETag" not in response.headers
        assert "no-store" in response.headers["Cache-Control"]


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
