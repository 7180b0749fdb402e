"""The bell, /notifications, following, email settings, one-click unsubscribe, and Atom feeds."""

import lxml.etree
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import EmailMode, EmailPreference, Event, Notification, Status
from forum.services import delivery, responses, votes

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def answered(make_user, make_post):
    """A member who voted for a post that staff then answered twice."""
    member = make_user(name="Mia")
    post = make_post(title="Calendar sync")
    votes.add(member, post)
    staff = make_user("staff")
    responses.respond(staff, post, "Looking at it.", Status.UNDER_REVIEW)
    responses.respond(staff, post, "Planned for spring.", Status.PLANNED)
    db.session.commit()
    return member, post


def test_the_bell_counts_unread_and_the_page_groups_by_post(answered, client, login_as, send):
    member, _ = answered
    login_as(member)
    home = client.get("/").get_data(as_text=True)
    assert '<span class="bell-count">2<span class="visually-hidden"> unread</span>' in home
    page = client.get("/notifications").get_data(as_text=True)
    assert page.count("Calendar sync") == 1  # one group
    assert "moved it to Planned: Planned for spring." in page
    assert "moved it to Under review: Looking at it." in page

    first = db.session.scalars(
        select(Notification.id).where(Notification.user_id == member.id).order_by(Notification.id)
    ).first()
    assert send(f"/notifications/{first}/read").status_code == 303
    assert '<span class="bell-count">1<' in client.get("/").get_data(as_text=True)
    send("/notifications/read")
    assert "bell-count" not in client.get("/").get_data(as_text=True)


def test_someone_elses_notification_cannot_be_marked(answered, make_user, login_as, send):
    login_as(make_user())
    first = db.session.scalars(select(Notification.id)).first()
    send(f"/notifications/{first}/read")
    assert db.session.get(Notification, first).read_at is None


def test_follow_and_unfollow_with_one_click(make_user, make_post, login_as, client, send):
    post = make_post(title="Dark mode")
    login_as(make_user())
    assert ">Follow</button>" in client.get(f"/posts/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert send(f"/posts/{post.id}/follow").status_code == 303
    assert "Following ✓" in client.get(f"/posts/{post.id}", follow_redirects=True).get_data(as_text=True)
    assert "Dark mode" in client.get("/following").get_data(as_text=True)
    response = send(f"/posts/{post.id}/unfollow", headers={"Accept": "application/json"})
    assert response.json == {"following": False}
    assert "Dark mode" not in client.get("/following").get_data(as_text=True)


def test_visitors_are_sent_to_sign_in(client, make_post, send):
    post = make_post()
    for url in ("/notifications", "/following", "/account/notifications"):
        assert client.get(url).status_code == 302
    assert send(f"/posts/{post.id}/follow").status_code == 302


def test_email_settings_are_saved_per_event(make_user, login_as, client, send):
    user = login_as(make_user())
    data = {event.value: "instant" for event in Event} | {"status": "digest", "mention": "off"}
    assert send("/account/notifications", data).status_code == 303
    saved = dict(db.session.execute(select(EmailPreference.event, EmailPreference.mode)
                                    .where(EmailPreference.user_id == user.id)).all())  # fmt: skip
    assert saved["status"] == "digest" and saved["mention"] == "off" and saved["response"] == "instant"
    bad = send("/account/notifications", {**data, "reply": "hourly"})
    assert bad.status_code == 422
    assert "Not a valid choice" in bad.get_data(as_text=True) or "choose" in bad.get_data(as_text=True).lower()


def test_one_click_unsubscribe_needs_no_session_or_form_token(answered, app, client, outbox):
    member, _ = answered
    delivery.deliver_pending()
    mine = next(m for m in outbox() if m["To"] == member.email)
    link = mine["List-Unsubscribe"].strip("<>").split("localhost", 1)[-1].replace("http://127.0.0.1:5000", "")
    assert "Stop these emails?" in client.get(link).get_data(as_text=True)
    response = client.post(link, data={"List-Unsubscribe": "One-Click"})  # as a mail client sends it
    assert response.status_code == 200
    mode = db.session.scalar(select(EmailPreference.mode).where(EmailPreference.user_id == member.id))
    assert mode == EmailMode.OFF
    assert client.get("/unsubscribe/forged-token").status_code == 404


def parse_atom(response):
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    feed = lxml.etree.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated", "author"):
        assert feed.find(f"{ATOM}{required}") is not None, required
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    for entry in feed.findall(f"{ATOM}entry"):
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}") is not None, required
    return feed


def test_post_category_and_changelog_feeds_are_atom(answered, client, category):
    _, post = answered
    feed = parse_atom(client.get(f"/posts/{post.id}/feed.atom"))
    titles = [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")]
    # Each answer moved the status: one entry each, the answer's text in its summary.
    assert titles == ["Official response: Looking at it.", "Official response: Planned for spring."]
    summaries = [e.findtext(f"{ATOM}summary") for e in feed.findall(f"{ATOM}entry")]
    assert summaries[1] == "Planned for spring.\n\nThe status moved: under review → planned."
    feed = parse_atom(client.get(f"/categories/{category.slug}.atom"))
    assert [e.findtext(f"{ATOM}title") for e in feed.findall(f"{ATOM}entry")] == ["Calendar sync"]
    parse_atom(client.get("/changelog.atom"))
    assert client.get("/categories/nope.atom").status_code == 404


def test_hidden_posts_have_no_public_feed(make_user, make_post, client, category):
    from forum.services import moderation

    post = make_post()
    moderation.toggle_post(make_user("moderator"), post, "hide")
    db.session.commit()
    assert client.get(f"/posts/{post.id}/feed.atom").status_code == 404
    feed = parse_atom(client.get(f"/categories/{category.slug}.atom"))
    assert feed.findall(f"{ATOM}entry") == []
