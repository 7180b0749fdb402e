"""What a payload may say: only what a visitor may see when it is sent. Hidden, deleted, held and
merged posts, hidden comments, internal notes and email addresses never leave the site."""

from forum.extensions import db
from forum.models import Role, User, WebhookDelivery
from forum.services import comments, merges, moderation, posts, votes
from tests.webhooks.conftest import deliver


def _states():
    db.session.rollback()
    return [d.state for d in db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id))]


def test_a_post_hidden_before_sending_is_withheld(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["post.created", "vote.created"])
    post = make_post(title="Secret roadmap leak")
    votes.add(make_user(), post)
    moderation.toggle_post(make_user(Role.MODERATOR), post, "hide")
    db.session.commit()
    deliver()
    assert receiver.requests == []
    assert _states() == ["withheld", "withheld"]


def test_a_deleted_post_is_withheld(receiver, endpoint_for, make_post):
    endpoint_for(receiver.url, ["post.created"])
    post = make_post(title="Oops, my password is hunter2")
    posts.delete_post(db.session.get(User, post.author_id), post)
    db.session.commit()
    deliver()
    assert receiver.requests == [] and _states() == ["withheld"]


def test_events_on_hidden_or_deleted_posts_are_not_even_queued(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["comment.created", "post.status_changed"])
    post = make_post()
    moderation.toggle_post(make_user(Role.MODERATOR), post, "hide")
    comments.add_comment(make_user(Role.STAFF), post, "Internal chatter on a hidden post")
    db.session.commit()
    assert _states() == []


def test_a_held_post_is_announced_only_when_approved(app, receiver, endpoint_for, make_user, category, monkeypatch):
    endpoint_for(receiver.url, ["post.created"])
    monkeypatch.setitem(app.config, "HOLD_FIRST_POSTS", 1)
    newcomer = make_user()
    post = posts.create_post(newcomer, kind="idea", title="Buy cheap watches", body="spam?", category=category)
    db.session.commit()
    assert post.is_hidden and _states() == []

    moderation.toggle_post(make_user(Role.MODERATOR), post, "unhide")
    db.session.commit()
    deliver()
    assert [r.json["data"]["post"]["id"] for r in receiver.requests] == [post.id]


def test_a_hidden_comment_is_withheld(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["comment.created"])
    post = make_post()
    comment = comments.add_comment(make_user(), post, "Rude words")
    moderation.hide_comment(make_user(Role.MODERATOR), comment)
    db.session.commit()
    deliver()
    assert receiver.requests == [] and _states() == ["withheld"]


def test_a_merged_posts_own_news_is_withheld_and_the_merge_names_only_ids_titles_links(
    receiver, endpoint_for, make_post, make_user
):
    endpoint_for(receiver.url, ["post.created", "post.merged"])
    original = make_post(title="Original")
    deliver()
    duplicate = make_post(title="Duplicate")
    merges.merge_posts(make_user(Role.MODERATOR), duplicate, original)
    db.session.commit()
    deliver()
    assert [r.json["type"] for r in receiver.requests] == ["post.created", "post.merged"]
    assert _states() == ["delivered", "withheld", "delivered"]
    merged = receiver.requests[-1].json["data"]
    assert set(merged) == {"post", "original"}
    assert set(merged["post"]) == {"id", "title", "kind", "status", "votes", "comments", "url", "created_at"}


def test_internal_notes_send_nothing(receiver, endpoint_for, make_post, make_user, login_as, send):
    endpoint_for(receiver.url)
    post = make_post()
    deliver()
    before = len(receiver.requests)
    login_as(make_user(Role.STAFF))
    assert send(f"/posts/{post.id}/notes", {"body": "Enterprise customer, renewal at risk"}).status_code < 400
    deliver()
    assert len(receiver.requests) == before


def test_no_payload_carries_an_email_address_or_a_body(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url)
    author = make_user(email="author.private@example.com", name="Author Name")
    post = make_post(author, body="My account number is 12345")
    voter = make_user(email="voter.private@example.com")
    votes.add(voter, post)
    comments.add_comment(voter, post, "Call me at voter.private@example.com")
    db.session.commit()
    deliver()
    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert b"@example.com" not in request.body
        assert b"12345" not in request.body and b"Call me" not in request.body
