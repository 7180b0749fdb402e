"""robots.txt, sitemaps, icons and the web app manifest; 405 answers that name the methods that work."""

import io
import json
import urllib.robotparser

import lxml.etree
import pytest
from PIL import Image

from forum.crawlers import views as crawlers
from forum.extensions import db
from forum.services import merges, moderation, posts

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def _site_url(app, monkeypatch):
    """Links are built from SITE_URL, which the browser suite's live server moves for its worker's session."""
    monkeypatch.setitem(app.config, "SITE_URL", "http://127.0.0.1:5000")


def test_robots_txt_keeps_crawlers_out_of_staff_pages_search_and_feed_variants(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Sitemap: http://127.0.0.1:5000/sitemap.xml" in text.splitlines()
    assert "Disallow: /*.atom?" in text.splitlines()  # Google's and Bing's wildcard: a feed with a query
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(text.splitlines())
    for path in ("/staff/queue", "/staff/export/posts.csv", "/moderation/flags", "/search?q=sync", "/account",
                 "/notifications", "/posts/new"):  # fmt: skip
        assert not robots.can_fetch("AnyBot", path), path
    for path in ("/", "/posts/12-calendar-sync", "/roadmap", "/changelog", "/changelog.atom", "/sitemap.xml"):
        assert robots.can_fetch("AnyBot", path), path


def _urls(client, url: str, tag: str) -> dict[str, str | None]:
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/xml", url
    root = lxml.etree.fromstring(response.data)
    return {item.findtext(f"{SITEMAP}loc"): item.findtext(f"{SITEMAP}lastmod") for item in root.iter(f"{SITEMAP}{tag}")}


def _every_listed_url(client) -> dict[str, str | None]:
    found = {}
    for sitemap, lastmod in _urls(client, "/sitemap.xml", "sitemap").items():
        assert lastmod, sitemap
        assert sitemap.startswith("http://127.0.0.1:5000/sitemap-")
        found |= _urls(client, sitemap.removeprefix("http://127.0.0.1:5000"), "url")
    return found


def test_the_sitemap_lists_public_posts_with_lastmod_and_never_hidden_deleted_or_merged(make_user, make_post, client):
    author, moderator = make_user(), make_user("moderator")
    shown = make_post(author, title="Calendar sync")
    hidden, deleted, merged = (make_post(author, title=title) for title in ("Hidden", "Deleted", "Merged away"))
    moderation.toggle_post(moderator, hidden, "hide")
    posts.delete_post(author, deleted)
    merges.merge_posts(make_user("staff"), merged, shown)
    db.session.commit()
    listed = _every_listed_url(client)
    post_urls = {url for url in listed if "/posts/" in url}
    assert post_urls == {f"http://127.0.0.1:5000/posts/{shown.id}-{shown.slug}"}
    assert {"http://127.0.0.1:5000/", "http://127.0.0.1:5000/roadmap"} <= set(listed)
    assert all(lastmod and lastmod.startswith(str(shown.created_at.year)) for lastmod in listed.values())


def test_sitemaps_are_split_at_the_protocols_limit(make_user, make_post, client, monkeypatch):
    assert crawlers.SITEMAP_SIZE == 50_000
    monkeypatch.setattr(crawlers, "SITEMAP_SIZE", 2)
    author = make_user()
    made = [make_post(author) for _ in range(5)]
    index = _urls(client, "/sitemap.xml", "sitemap")
    assert [url.rsplit("/", 1)[1] for url in index] == ["sitemap-pages.xml", "sitemap-posts-1.xml",
                                                         "sitemap-posts-2.xml", "sitemap-posts-3.xml"]  # fmt: skip
    for n in (1, 2, 3):
        assert len(_urls(client, f"/sitemap-posts-{n}.xml", "url")) == (2 if n < 3 else 1)
    listed = {url for url in _every_listed_url(client) if "/posts/" in url}
    assert listed == {f"http://127.0.0.1:5000/posts/{p.id}-{p.slug}" for p in made}
    assert client.get("/sitemap-posts-4.xml").status_code == 404
    assert client.get("/sitemap-posts-0.xml").status_code == 404
    etag = client.get("/sitemap.xml").headers["ETag"]
    assert client.get("/sitemap.xml", headers={"If-None-Match": etag}).status_code == 304


def test_favicon_icons_and_manifest(client):
    page = client.get("/").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<link rel="icon" href="/favicon.ico" sizes="32x32">' in page
    favicon = client.get("/favicon.ico")
    assert favicon.status_code == 200 and favicon.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    assert Image.open(io.BytesIO(favicon.data)).format == "ICO"

    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.data)
    assert manifest["name"] == "Tallybook Feedback" and manifest["start_url"] == "/"
    sizes = set()
    for icon in manifest["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200, icon["src"]
        if icon["type"] == "image/png":
            width, height = Image.open(io.BytesIO(image.data)).size
            assert icon["sizes"] == f"{width}x{height}"
            sizes.add(width)
    assert {192, 512} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    touch = client.get("/static/icons/apple-touch-icon.png")
    assert Image.open(io.BytesIO(touch.data)).size == (180, 180)


def test_405_answers_name_the_methods_that_work(make_post, client):
    post = make_post()
    for method, url, allowed in (
        ("post", "/roadmap", {"GET", "HEAD", "OPTIONS"}),
        ("get", f"/posts/{post.id}/vote", {"POST", "OPTIONS"}),
        ("delete", "/", {"GET", "HEAD", "OPTIONS"}),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 405, url
        assert set(response.headers["Allow"].split(", ")) == allowed, url
        assert "That is not how this page works" in response.get_data(as_text=True)
