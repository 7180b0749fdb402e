import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Category, Comment, Flag, InternalNote, Post, Status, User
from forum.services import comments, moderation, responses

ROLES = ["visitor", "member", "author", "moderator", "staff", "admin"]
MODS = {"moderator", "staff", "admin"}

POST_ACTIONS = {
    "hide": (MODS, {}),
    "lock": (MODS, {}),
    "pin": (MODS, {}),
    "move": (MODS, {"category": "billing"}),
    "notes": ({"staff", "admin"}, {"body": "Customer is on the enterprise plan."}),
    "flag": ({"member", "moderator", "staff", "admin"}, {"reason": "spam"}),
}


def world():
    db.session.rollback()
    return (
        tuple(db.session.execute(select(Post.is_hidden, Post.is_locked, Post.is_pinned, Post.category_id)).all()),
        db.session.scalar(select(func.count()).select_from(InternalNote)),
        db.session.scalar(select(func.count()).select_from(Flag)),
        db.session.scalar(select(func.count()).select_from(AuditEntry)),
    )


def _sign_in(role, author, make_user, login_as):
    if role == "author":
        login_as(author)
    elif role != "visitor":
        login_as(make_user(role))


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(POST_ACTIONS))
def test_post_moderation_by_role(action, role, make_user, make_post, login_as, send):
    db.session.add(Category(slug="billing", name="Billing"))
    db.session.commit()
    author = make_user()
    post = make_post(author)
    allowed, data = POST_ACTIONS[action]
    _sign_in(role, author, make_user, login_as)
    before = world()
    response = send(f"/posts/{post.id}/{action}", data)
    if role in allowed:
        assert response.status_code == 303
        assert world() != before
    else:
        assert response.status_code == (302 if role == "visitor" else 403)
        assert world() == before


USER_ACTIONS = {
    "suspend": ({"moderator", "staff", "admin"}, {"reason": "Spam", "days": "7"}),
    "role": ({"admin"}, {"role": "moderator"}),
}


@pytest.mark.parametrize("role", ["visitor", "member", "moderator", "staff", "admin"])
@pytest.mark.parametrize("action", list(USER_ACTIONS))
def test_member_actions_by_role(action, role, make_user, login_as, send):
    target = make_user()
    allowed, data = USER_ACTIONS[action]
    _sign_in(role, None, make_user, login_as)
    response = send(f"/users/{target.id}/{action}", data)
    db.session.rollback()
    stored = db.session.get(User, target.id)
    if role in allowed:
        assert response.status_code == 303
        assert stored.is_suspended or stored.role == "moderator"
    else:
        assert response.status_code == (302 if role == "visitor" else 403)
        assert not stored.is_suspended and stored.role == "member"


def test_hidden_posts_vanish_for_members_but_stay_marked_for_moderators(make_post, make_user, login_as, client):
    post = make_post(title="Spammy post")
    moderator = make_user("moderator")
    moderation.toggle_post(moderator, post, "hide")
    db.session.commit()
    for viewer in (None, make_user()):
        if viewer:
            login_as(viewer)
        assert "Spammy post" not in client.get("/").get_data(as_text=True)
        assert "Spammy post" not in client.get("/roadmap").get_data(as_text=True)
        assert client.get(f"/posts/{post.id}-{post.slug}").status_code == 404
    login_as(moderator)
    listing = client.get("/").get_data(as_text=True)
    assert "Spammy post" in listing and "Hidden" in listing
    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert "Hidden from members" in page and "Unhide" in page


def test_locked_posts_take_no_comments_or_votes(make_post, make_user, login_as, send, client):
    post = make_post()
    moderation.toggle_post(make_user("moderator"), post, "lock")
    db.session.commit()
    login_as(make_user())
    assert send(f"/posts/{post.id}/vote").status_code == 403
    assert send(f"/posts/{post.id}/comments", {"body": "Hello"}).status_code == 403
    assert "This post is locked" in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)


def test_every_moderator_action_is_audited_and_reversible(make_post, make_user, login_as, send, client):
    post = make_post()
    moderator = make_user("moderator", name="Mo")
    login_as(moderator)
    for action in ("hide", "unhide", "lock", "unlock", "pin", "unpin"):
        send(f"/posts/{post.id}/{action}")
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.action for e in entries] == ["hide", "unhide", "lock", "unlock", "pin", "unpin"]
    assert entries[0].before == {"is_hidden": False} and entries[0].after == {"is_hidden": True}
    assert all(e.actor_id == moderator.id and e.target_id == post.id for e in entries)
    stored = db.session.get(Post, post.id)
    assert (stored.is_hidden, stored.is_locked, stored.is_pinned) == (False, False, False)

    staff = make_user("staff")
    responses.respond(staff, stored, "Thanks", Status.PLANNED)
    db.session.commit()
    login_as(staff)
    page = " ".join(client.get("/staff/audit?action=respond").get_data(as_text=True).split())
    assert "answered officially on" in page and "moving it from Open to Planned" in page
    assert client.get("/staff/audit?action=no%00pe").status_code == 400
    login_as(moderator)
    assert client.get("/staff/audit").status_code == 403


def test_soft_deleted_posts_and_comments_can_be_restored(make_post, make_user, login_as, send):
    post = make_post()
    comment = comments.add_comment(make_user(), post, "Rude words")
    db.session.commit()
    login_as(make_user("moderator"))
    send(f"/comments/{comment.id}/delete")
    assert db.session.get(Post, post.id).comment_count == 0
    send(f"/comments/{comment.id}/restore")
    assert db.session.get(Comment, comment.id).deleted_at is None
    assert db.session.get(Post, post.id).comment_count == 1
    send(f"/posts/{post.id}/delete")
    assert db.session.get(Post, post.id).deleted_at is not None
    send(f"/posts/{post.id}/restore")
    assert db.session.get(Post, post.id).deleted_at is None


def test_internal_notes_never_reach_members(make_post, make_user, login_as, send, client):
    post = make_post()
    login_as(make_user("staff"))
    send(f"/posts/{post.id}/notes", {"body": "Secret: refund approved"})
    assert "Secret: refund approved" in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    for role in ("member", "moderator"):
        login_as(make_user(role))
        assert "Secret: refund approved" not in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)


def test_reports_hide_at_the_threshold_and_moderators_decide(make_post, make_user, login_as, send, client, app):
    author = make_user(name="Spammer")
    post = make_post(author, title="Buy cheap watches")
    reporters = [make_user() for _ in range(app.config["FLAG_THRESHOLD"])]
    login_as(reporters[0])
    assert send(f"/posts/{post.id}/flag", {"reason": "spam"}).status_code == 303
    again = send(f"/posts/{post.id}/flag", {"reason": "spam"}, headers={"Accept": "application/json"})
    assert again.status_code == 409
    assert send(f"/posts/{post.id}/flag", {"reason": "nonsense"}).status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Flag)) == 1
    for reporter in reporters[1:]:
        login_as(reporter)
        send(f"/posts/{post.id}/flag", {"reason": "abuse"})
    assert db.session.get(Post, post.id).is_hidden  # enough distinct members: hidden until decided

    moderator = make_user("moderator")
    login_as(moderator)
    queue = client.get("/moderation/flags").get_data(as_text=True)
    assert "Buy cheap watches" in queue and "3 reports" in queue
    assert send(f"/moderation/flags/post/{post.id}", {"decision": "delete_and_suspend"}).status_code == 303
    stored = db.session.get(Post, post.id)
    assert stored.deleted_at is not None
    assert db.session.get(User, author.id).is_suspended
    assert db.session.scalar(select(func.count()).select_from(Flag).where(Flag.resolved_at.is_(None))) == 0
    assert "No open reports" in client.get("/moderation/flags").get_data(as_text=True)


def test_keep_unhides_a_post_hidden_by_reports(make_post, make_user, app_ctx, app):
    post = make_post()
    for _ in range(app.config["FLAG_THRESHOLD"]):
        moderation.flag(make_user(), post, "off_topic", app.config["FLAG_THRESHOLD"])
    db.session.commit()
    assert post.is_hidden
    moderation.decide(make_user("moderator"), post, "keep")
    db.session.commit()
    assert not db.session.get(Post, post.id).is_hidden


def test_member_page_lists_posts_and_comments_and_suspension_is_shown(make_post, make_user, login_as, send, client):
    member = make_user(name="Kenji")
    post = make_post(member, title="Kenji's idea")
    comments.add_comment(member, post, "Kenji's comment")
    db.session.commit()
    page = client.get(f"/users/{member.id}").get_data(as_text=True)
    assert "Kenji&#39;s idea" in page and "Kenji's comment" in page
    login_as(make_user("moderator"))
    send(f"/users/{member.id}/suspend", {"reason": "Repeated spam", "days": "3"})
    login_as(db.session.get(User, member.id))
    home = client.get("/").get_data(as_text=True)
    assert "Your account is suspended" in home and "Repeated spam" in home
    assert client.get("/users/99999999999").status_code == 404


@pytest.mark.parametrize("days", ["0", "3651", "2" * 300, "-5", "1e309", "seven"])
def test_a_suspension_length_out_of_range_is_refused_with_the_reason_kept(days, make_user, login_as, send):
    member = make_user()
    login_as(make_user("moderator"))
    response = send(f"/users/{member.id}/suspend", {"reason": "Repeated spam", "days": days})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Repeated spam" in page
    assert "3,650 days" in page or "Not a valid integer" in page
    db.session.rollback()
    assert db.session.get(User, member.id).suspended_until is None
