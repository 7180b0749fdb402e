"""What a shared link shows: OpenGraph and Twitter card tags, canonical links, and each post's card image."""

import io
from pathlib import Path

import lxml.html
import pytest
from PIL import Image

from forum.cards import image as cards
from forum.extensions import db
from forum.models import Kind, Status
from forum.services import moderation, posts, responses, votes

SITE = "http://127.0.0.1:5000"


@pytest.fixture(autouse=True)
def _site_url(app, monkeypatch):
    """Links are built from SITE_URL, which the browser suite's live server moves for its worker's session."""
    monkeypatch.setitem(app.config, "SITE_URL", "http://127.0.0.1:5000")


def head_of(client, url: str) -> dict[str, str]:
    """The page's meta tags (by name or property) and canonical link."""
    response = client.get(url, follow_redirects=True)
    assert response.status_code == 200, url
    head = lxml.html.fromstring(response.data).find("head")
    tags = {meta.get("property") or meta.get("name"): meta.get("content") for meta in head.iter("meta")}
    canonical = head.xpath("link[@rel='canonical']/@href")
    tags["canonical"] = canonical[0] if canonical else None
    return tags


@pytest.fixture
def answered(make_user, make_post):
    post = make_post(title="Calendar sync loses events", body="Events vanish **every** Monday.\n\nSince 4.1.",
                     kind=Kind.COMPLAINT)  # fmt: skip
    votes.add(make_user(), post)
    responses.respond(make_user("staff"), post, "Fixed in 4.2: update the app.", Status.IN_PROGRESS)
    db.session.commit()
    return post


def test_a_post_page_makes_a_card_with_what_the_company_answered(answered, client):
    post = answered
    tags = head_of(client, f"/posts/{post.id}")
    url = f"{SITE}/posts/{post.id}-{post.slug}"
    description = "Complaint · In progress · 2 votes · answered by Tallybook. Events vanish every Monday."
    assert tags["canonical"] == tags["og:url"] == url
    assert tags["description"] == tags["og:description"] == tags["twitter:description"] == description
    assert tags["og:title"] == tags["twitter:title"] == "Calendar sync loses events"
    assert (tags["og:type"], tags["og:site_name"], tags["twitter:card"]) == ("article", "Tallybook Feedback",
                                                                             "summary_large_image")  # fmt: skip
    assert tags["og:image"] == tags["twitter:image"]
    assert tags["og:image"].startswith(f"{SITE}/posts/{post.id}/card.png?v=")
    assert (tags["og:image:width"], tags["og:image:height"]) == ("1200", "630")
    assert "answered by Tallybook" in tags["og:image:alt"]


def test_an_unanswered_post_says_so(make_post, client):
    post = make_post(title="Dark mode", kind=Kind.IDEA)
    tags = head_of(client, f"/posts/{post.id}")
    assert tags["description"] == "Idea · Open · 1 vote. Details of the post."


def card_of(client, post) -> tuple[str, bytes]:
    address = head_of(client, f"/posts/{post.id}")["og:image"].removeprefix(SITE)
    response = client.get(address)
    assert response.status_code == 200 and response.mimetype == "image/png"
    return address, response.data


def test_the_card_image_is_1200_by_630_kept_and_drawn_anew_when_the_answer_changes(
    answered, make_user, client, app, monkeypatch
):
    post = answered
    first_address, first = card_of(client, post)
    assert Image.open(io.BytesIO(first)).size == (1200, 630)
    assert Image.open(io.BytesIO(first)).format == "PNG"

    drawn = []
    monkeypatch.setattr(cards, "draw", lambda card, real=cards.draw: drawn.append(card) or real(card))
    assert client.get(first_address).data == first
    assert drawn == []  # kept on disk: not drawn again
    etag = client.get(first_address).headers["ETag"]
    assert client.get(first_address, headers={"If-None-Match": etag}).status_code == 304

    responses.respond(make_user("staff"), post, "Also fixed on the web.")
    db.session.commit()
    second_address, second = card_of(client, post)
    assert second_address != first_address and second != first
    assert [card.answer for card in drawn] == ["Also fixed on the web."]
    # One file per post: the old card is gone.
    assert [f.name for f in Path(app.config["CARD_DIR"]).glob(f"{post.id}-*.png")] == [f"{post.id}-{drawn[0].key}.png"]
    votes.add(make_user(), post)
    db.session.commit()
    third_address, _ = card_of(client, post)
    assert third_address != second_address and drawn[-1].votes == 3


def test_no_card_for_hidden_or_deleted_posts_whoever_asks(make_user, make_post, client, login_as):
    hidden, deleted = make_post(title="Hidden"), make_post(title="Deleted")
    moderator = make_user("moderator")
    moderation.toggle_post(moderator, hidden, "hide")
    posts.delete_post(moderator, deleted)
    db.session.commit()
    login_as(make_user("admin"))
    for post in (hidden, deleted):
        assert client.get(f"/posts/{post.id}/card.png").status_code == 404
        tags = head_of(client, f"/posts/{post.id}-{post.slug}")
        assert "og:image" not in tags and tags["robots"] == "noindex"
    assert client.get("/posts/99999/card.png").status_code == 404
    assert client.get(f"/posts/{2**40}/card.png").status_code == 404


@pytest.mark.parametrize(
    "url, canonical, title",
    [
        ("/?sort=top&kind=idea", f"{SITE}/", "Ideas and complaints · Tallybook Feedback"),
        ("/?category=mobile-app&page=2", f"{SITE}/?category=mobile-app&page=2", "Mobile app"),
        ("/roadmap", f"{SITE}/roadmap", "Roadmap · Tallybook Feedback"),
        ("/changelog", f"{SITE}/changelog", "Changelog · Tallybook Feedback"),
        ("/responsiveness", f"{SITE}/responsiveness", "How fast Tallybook answers · Tallybook Feedback"),
    ],
)
def test_lists_roadmap_and_changelog_share_as_cards_too(make_post, client, url, canonical, title):
    make_post()
    tags = head_of(client, url)
    assert tags["canonical"] == tags["og:url"] == canonical
    assert tags["og:title"] == tags["twitter:title"] == title
    assert tags["description"] and tags["og:description"] == tags["description"]
    assert tags["twitter:card"] == "summary" and tags["og:image"] == f"{SITE}/static/icons/icon-512.png"
