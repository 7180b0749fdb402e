"""Every Atom feed read by a feed reader (feedparser) and checked against RFC 4287's schema."""

import re
from pathlib import Path

import feedparser
import lxml.etree
import pytest

from forum.extensions import db
from forum.models import Kind, Status
from forum.services import moderation, posts, responses, votes

# RFC 4287's RELAX NG grammar (its appendix B), in the XML syntax lxml reads (atom.rnc, converted by trang).
ATOM_SCHEMA = lxml.etree.RelaxNG(lxml.etree.parse(str(Path(__file__).parent.parent / "data" / "atom.rng")))


@pytest.fixture(autouse=True)
def _site_url(app, monkeypatch):
    """Links are built from SITE_URL, which the browser suite's live server moves for its worker's session."""
    monkeypatch.setitem(app.config, "SITE_URL", "http://127.0.0.1:5000")


def read_feed(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(url)
    assert response.status_code == 200, url
    assert response.mimetype == "application/atom+xml"
    document = lxml.etree.fromstring(response.data)
    assert ATOM_SCHEMA.validate(document), f"{url}: {ATOM_SCHEMA.error_log}"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, f"{url}: {parsed.get('bozo_exception')}"
    assert parsed.version == "atom10"
    return parsed


@pytest.fixture
def site(make_user, make_post, category):
    staff = make_user("staff")
    asked = make_post(title="Calendar sync", body="Sync with **Google** Calendar.\n\nBoth ways, please.")
    votes.add(make_user(), asked)
    responses.respond(staff, asked, "Planned for spring.\n\nWe start with Google, then Outlook.", Status.PLANNED)
    shipped = make_post(title="Dark mode", kind=Kind.IDEA)
    responses.respond(staff, shipped, "Shipped in 4.2: look under Settings.", Status.DONE)
    responses.respond(staff, asked, "A quick update: the design is ready.")  # moves no status
    db.session.commit()
    return {"asked": asked, "shipped": shipped, "category": category, "staff": staff}


def every_feed(site) -> list[str]:
    return [
        "/feed.atom",
        f"/categories/{site['category'].slug}.atom",
        f"/posts/{site['asked'].id}/feed.atom",
        f"/posts/{site['shipped'].id}/feed.atom",
        "/changelog.atom",
    ]


def test_every_feed_is_valid_atom_that_a_reader_parses(site, client):
    for url in every_feed(site):
        feed = read_feed(client, url)
        assert feed.feed.title and feed.feed.id and feed.feed.updated
        assert [link.href for link in feed.feed.links if link.rel == "self"] == [f"http://127.0.0.1:5000{url}"]
        for entry in feed.entries:
            assert entry.id and entry.title and entry.summary and entry.updated


def test_summaries_carry_the_official_answer(site, client):
    post_feed = read_feed(client, f"/posts/{site['asked'].id}/feed.atom")
    summaries = [entry.summary for entry in post_feed.entries]
    assert summaries == [
        "Planned for spring.\nWe start with Google, then Outlook.\n\nThe status moved: open → planned.",
        "A quick update: the design is ready.",
    ]
    by_title = {entry.title: entry for entry in read_feed(client, "/feed.atom").entries}
    assert "Tallybook answered: A quick update: the design is ready." in by_title["Calendar sync"].summary
    assert by_title["Calendar sync"].summary.startswith("Sync with Google Calendar.")
    [shipped] = read_feed(client, "/changelog.atom").entries
    assert shipped.summary == "Tallybook answered: Shipped in 4.2: look under Settings."


def test_entry_ids_never_change_when_a_post_is_retitled(site, client):
    before = {url: [e.id for e in read_feed(client, url).entries] for url in every_feed(site)}
    post = site["shipped"]
    posts.edit_post(site["staff"], post, title="Dark mode everywhere", body=post.body, category=site["category"],
                    kind=post.kind)  # fmt: skip
    db.session.commit()
    after = {url: [e.id for e in read_feed(client, url).entries] for url in every_feed(site)}
    assert after == before
    ids = [entry_id for url in before for entry_id in before[url]]
    assert all(re.fullmatch(r"http://127\.0\.0\.1:5000/posts/\d+(#(status|response)-\d+)?", i) for i in ids), ids
    assert "Dark mode everywhere" in [e.title for e in read_feed(client, "/changelog.atom").entries]


def test_feeds_answer_304_to_a_reader_that_has_them(site, client):
    for url in every_feed(site):
        first = client.get(url)
        assert first.headers["ETag"] and first.headers["Last-Modified"]
        again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
        assert (again.status_code, again.data) == (304, b"")
        since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304
    url = f"/posts/{site['asked'].id}/feed.atom"
    etag = client.get(url).headers["ETag"]
    responses.respond(site["staff"], site["asked"], "Now in progress.", Status.IN_PROGRESS)
    db.session.commit()
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Now in progress." in feedparser.parse(changed.data).entries[-1].summary


def test_hidden_and_deleted_posts_stay_out_of_feeds(site, make_user, client):
    moderation.toggle_post(make_user("moderator"), site["shipped"], "hide")
    db.session.commit()
    assert client.get(f"/posts/{site['shipped'].id}/feed.atom").status_code == 404
    for url in ("/feed.atom", f"/categories/{site['category'].slug}.atom", "/changelog.atom"):
        assert "Dark mode" not in [e.title for e in read_feed(client, url).entries]


def test_every_page_with_a_feed_names_it_in_its_head(site, client):
    pages = {
        "/": "/feed.atom",
        f"/?category={site['category'].slug}": f"/categories/{site['category'].slug}.atom",
        f"/posts/{site['asked'].id}-{site['asked'].slug}": f"/posts/{site['asked'].id}/feed.atom",
        "/changelog": "/changelog.atom",
    }
    for page, feed in pages.items():
        html = client.get(page).get_data(as_text=True)
        head = html.split("</head>", 1)[0]
        links = re.findall(r'<link rel="alternate" type="application/atom\+xml" title="[^"]+" href="([^"]+)">', head)
        assert links == [feed], page
        read_feed(client, feed)
