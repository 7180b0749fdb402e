"""Members edit their own comments: the earlier text is kept as a revision, the comment says it
was edited, and moderators can read what it said before."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, CommentRevision, Role
from forum.services import accounts, comments, moderation, posts


@pytest.fixture
def thread(make_user, make_post):
    author = make_user(name="Ada Author")
    post = make_post(make_user(), title="Dark mode for the mobile app")
    comment = comments.add_comment(author, post, "Totally agree, my eyes hurt at night.")
    db.session.commit()
    return author, post, comment


def test_the_author_edits_a_comment_and_the_earlier_text_is_kept(thread, login_as, send, client, make_user):
    author, post, comment = thread
    login_as(author)
    form = client.get(f"/comments/{comment.id}/edit").get_data(as_text=True)
    assert "Totally agree, my eyes hurt at night." in form and "Edit your comment" in form

    reply = send(f"/comments/{comment.id}/edit", {"body": "Totally agree: **dark mode** please."})
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"#comment-{comment.id}")
    stored = db.session.get(Comment, comment.id)
    assert stored.body == "Totally agree: **dark mode** please."
    assert "<strong>dark mode</strong>" in stored.body_html
    assert stored.updated_at is not None
    [revision] = db.session.scalars(select(CommentRevision)).all()
    assert (revision.comment_id, revision.editor_id, revision.body) == (
        comment.id,
        author.id,
        "Totally agree, my eyes hurt at night.",
    )

    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert "<strong>dark mode</strong>" in page and "edited" in page
    assert "earlier versions" not in page  # members do not read earlier versions
    assert client.get(f"/comments/{comment.id}/revisions").status_code == 403

    login_as(make_user(Role.MODERATOR))
    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert f"/comments/{comment.id}/revisions" in page
    history = client.get(f"/comments/{comment.id}/revisions").get_data(as_text=True)
    assert "Totally agree, my eyes hurt at night." in history and "Ada Author" in history


def test_the_same_text_again_keeps_no_revision(thread, login_as, send):
    author, _, comment = thread
    login_as(author)
    reply = send(f"/comments/{comment.id}/edit", {"body": "  Totally agree, my eyes hurt at night.  "})
    assert reply.status_code == 303
    assert db.session.scalars(select(CommentRevision)).all() == []
    assert db.session.get(Comment, comment.id).updated_at is None


@pytest.mark.parametrize(
    ("body", "message"),
    [("", "A comment cannot be empty"), ("x" * 10001, "Keep comments to 10,000 characters or fewer.")],
)
def test_bad_input_says_why_and_keeps_the_text(thread, login_as, send, body, message):
    author, _, comment = thread
    login_as(author)
    reply = send(f"/comments/{comment.id}/edit", {"body": body})
    html = reply.get_data(as_text=True)
    assert reply.status_code == 422
    assert message in html
    assert body[:200] in html
    assert db.session.get(Comment, comment.id).body == "Totally agree, my eyes hurt at night."


def test_only_the_author_edits_and_only_within_the_rules(thread, login_as, send, make_user):
    author, post, comment = thread
    for other in (make_user(), make_user(Role.MODERATOR), make_user(Role.ADMIN)):
        login_as(other)
        assert send(f"/comments/{comment.id}/edit", {"body": "Words put in her mouth"}).status_code == 403

    login_as(author)
    moderation.toggle_post(make_user(Role.MODERATOR), post, "lock")
    db.session.commit()
    assert send(f"/comments/{comment.id}/edit", {"body": "Edited while locked"}).status_code == 403
    moderation.toggle_post(make_user(Role.MODERATOR), post, "unlock")

    accounts.suspend(make_user(Role.ADMIN), author, until=None, reason="Spam")
    db.session.commit()
    assert send(f"/comments/{comment.id}/edit", {"body": "Edited while suspended"}).status_code == 403
    accounts.reinstate(make_user(Role.ADMIN), author)

    comments_gone = db.session.get(Comment, comment.id)
    moderation.delete_comment(author, comments_gone)
    db.session.commit()
    assert send(f"/comments/{comment.id}/edit", {"body": "Edited after deletion"}).status_code == 404
    assert send("/comments/99999999999/edit", {"body": "x"}).status_code == 404
    assert db.session.get(Comment, comment.id).body == "Totally agree, my eyes hurt at night."


def test_the_edit_link_shows_only_to_the_author(thread, login_as, client, make_user):
    author, post, comment = thread
    login_as(author)
    assert f"/comments/{comment.id}/edit" in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    login_as(make_user())
    assert f"/comments/{comment.id}/edit" not in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)


def test_a_deleted_post_takes_no_comment_edits(thread, login_as, send, make_user):
    author, post, comment = thread
    posts.delete_post(make_user(Role.MODERATOR), post)
    db.session.commit()
    login_as(author)
    assert send(f"/comments/{comment.id}/edit", {"body": "Still here?"}).status_code == 404
