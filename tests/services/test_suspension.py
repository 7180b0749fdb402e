from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update
from werkzeug.exceptions import Forbidden

from forum.extensions import db
from forum.models import Post, User
from forum.permissions import Guardian
from forum.services import accounts, votes
from forum.services.counters import recount


def _votes(post_id):
    db.session.rollback()
    return db.session.get(Post, post_id).vote_count


def test_a_suspended_members_votes_stop_counting_and_come_back(make_post, make_user):
    moderator = make_user("moderator")
    ring = [make_user() for _ in range(3)]
    first, second = make_post(), make_post()
    for user in ring:
        votes.add(user, first)
    votes.add(ring[0], second)
    db.session.commit()
    assert (_votes(first.id), _votes(second.id)) == (4, 2)

    moved = accounts.suspend(moderator, ring[0], until=None, reason="Vote ring")
    db.session.commit()
    assert sorted(moved) == sorted([first.id, second.id])
    assert (_votes(first.id), _votes(second.id)) == (3, 1)
    assert recount() == []  # the counters agree with the rule

    accounts.reinstate(moderator, db.session.get(User, ring[0].id))
    db.session.commit()
    assert (_votes(first.id), _votes(second.id)) == (4, 2)


def test_suspended_members_read_but_cannot_write(make_post, make_user, login_as, send, client):
    member = make_user()
    post = make_post()
    accounts.suspend(make_user("moderator"), member, until=datetime.now(UTC) + timedelta(days=7), reason="Spam")
    db.session.commit()
    guardian = Guardian(db.session.get(User, member.id))
    assert not guardian.can_vote(post) and not guardian.can_comment(post) and not guardian.can_post()
    login_as(member)
    assert client.get(f"/posts/{post.id}-{post.slug}").status_code == 200
    assert send(f"/posts/{post.id}/vote").status_code == 403
    assert send(f"/posts/{post.id}/comments", {"body": "Let me in"}).status_code == 403


def test_an_expired_suspension_counts_again_at_the_next_recount(make_post, make_user):
    member = make_user()
    post = make_post()
    votes.add(member, post)
    accounts.suspend(make_user("moderator"), member, until=datetime.now(UTC) + timedelta(days=1), reason="Cool off")
    db.session.commit()
    assert _votes(post.id) == 1
    db.session.execute(
        update(User).where(User.id == member.id).values(suspended_until=datetime.now(UTC) - timedelta(minutes=1))
    )
    db.session.commit()
    drift = recount()
    db.session.commit()
    assert [(d.field, d.stored, d.actual) for d in drift] == [("vote_count", 1, 2)]


@pytest.mark.parametrize(("actor_role", "target_role"), [("member", "member"), ("moderator", "moderator"),
                                                         ("moderator", "staff"), ("staff", "admin")])  # fmt: skip
def test_only_a_higher_role_suspends(make_user, actor_role, target_role):
    with pytest.raises(Forbidden):
        accounts.suspend(make_user(actor_role), make_user(target_role), until=None, reason="No")


def test_a_suspended_member_cannot_rename_themselves_but_can_change_their_password(make_user, login_as, send, app_ctx):
    from tests.conftest import PASSWORD

    moderator = make_user("moderator")
    member = make_user(name="Spammer", email="s@example.com")
    accounts.suspend(moderator, member, until=None, reason="spam")
    db.session.commit()
    login_as(member)
    response = send("/account/profile", {"display_name": "Innocent", "email": "s@example.com"})
    assert response.status_code == 403
    assert db.session.get(User, member.id).display_name == "Spammer"
    changed = send("/account/password", {"current_password": PASSWORD, "new_password": "another long password"})
    assert changed.status_code == 303
