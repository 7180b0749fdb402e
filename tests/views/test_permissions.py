"""Every role against every state-changing route of the customer loop:
allowed, 403, or a sign-in redirect that comes back, and the database
unchanged when refused."""

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, OfficialResponse, Post, StatusChange, Vote
from forum.services import responses

ROLES = ["visitor", "member", "author", "moderator", "staff", "admin"]

# route -> roles allowed (others: visitors are sent to sign in, members get 403)
ACTIONS = {
    "vote": ({"member", "author", "moderator", "staff", "admin"}, lambda p: (f"/posts/{p}/vote", {})),
    "unvote": ({"member", "author", "moderator", "staff", "admin"}, lambda p: (f"/posts/{p}/unvote", {})),
    "comment": (
        {"member", "author", "moderator", "staff", "admin"},
        lambda p: (f"/posts/{p}/comments", {"body": "A comment"}),
    ),
    "edit": (
        {"author", "moderator", "staff", "admin"},
        lambda p: (f"/posts/{p}/edit", {"title": "New title", "body": "New", "kind": "idea", "category": "mobile-app"}),
    ),
    "delete": ({"author", "moderator", "staff", "admin"}, lambda p: (f"/posts/{p}/delete", {})),
    "response": ({"staff", "admin"}, lambda p: (f"/posts/{p}/response", {"body": "We hear you", "status": "planned"})),
    "status": ({"staff", "admin"}, lambda p: (f"/posts/{p}/status", {"status": "under_review"})),
}


def snapshot():
    db.session.rollback()
    return (
        tuple(db.session.execute(select(Post.title, Post.status, Post.deleted_at, Post.vote_count)).all()),
        db.session.scalar(select(func.count()).select_from(Vote)),
        db.session.scalar(select(func.count()).select_from(Comment)),
        db.session.scalar(select(func.count()).select_from(OfficialResponse)),
        db.session.scalar(select(func.count()).select_from(StatusChange)),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_can_or_cannot(action, role, make_user, make_post, login_as, send):
    author = make_user()
    post = make_post(author)
    allowed_roles, request_for = ACTIONS[action]
    if role == "author":
        login_as(author)
    elif role != "visitor":
        login_as(make_user("member" if role == "member" else role))
    url, data = request_for(post.id)
    before = snapshot()

    response = send(url, data)

    if role in allowed_roles:
        assert response.status_code in (200, 303), response.get_data(as_text=True)[:500]
    elif role == "visitor":
        assert response.status_code == 302
        assert response.location.startswith("/login?next=")
        assert snapshot() == before
    else:
        assert response.status_code == 403
        assert "You may not do that" in response.get_data(as_text=True)
        assert snapshot() == before


@pytest.mark.parametrize("url", ["/posts/new", "/account"])
def test_member_pages_send_visitors_to_sign_in_and_back(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.location == f"/login?next={url.replace('/', '%2F')}"


def test_staff_controls_show_only_to_staff(make_user, make_post, login_as, client):
    post = make_post()
    login_as(make_user())
    assert "Answer officially" not in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    login_as(make_user("staff"))
    assert "Answer officially" in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)


@pytest.mark.parametrize("role", ROLES)
def test_only_staff_correct_an_official_response(role, make_user, make_post, login_as, send):
    author = make_user()
    post = make_post(author)
    responses.respond(make_user("staff"), post, "We hear you")
    db.session.commit()
    if role == "author":
        login_as(author)
    elif role != "visitor":
        login_as(make_user("member" if role == "member" else role))

    response = send(f"/posts/{post.id}/response/edit", {"body": "Corrected"})

    body = db.session.scalars(select(OfficialResponse.body)).one()
    if role in ("staff", "admin"):
        assert response.status_code == 303
        assert body == "Corrected"
        return
    if role == "visitor":
        assert response.status_code == 302 and response.location.startswith("/login?next=")
    else:
        assert response.status_code == 403
    db.session.rollback()
    assert db.session.scalars(select(OfficialResponse.body)).one() == "We hear you"
