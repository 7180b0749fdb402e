"""Merging a duplicate into its original, and undoing it exactly."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Follow, Post, Role, Status, StatusChange, Vote
from forum.services import Refused, comments, merges, votes
from forum.services.counters import recount


def voters(post):
    return set(db.session.scalars(select(Vote.user_id).where(Vote.post_id == post.id)))


def followers(post):
    return {(f.user_id, f.active) for f in db.session.scalars(select(Follow).where(Follow.post_id == post.id))}


def _follow(user, post, active):
    # Voting may already have made the member a follower (notifications): set the row as wanted.
    db.session.flush()
    row = db.session.scalars(select(Follow).where(Follow.user_id == user.id, Follow.post_id == post.id)).first()
    if row is None:
        db.session.add(Follow(user_id=user.id, post_id=post.id, active=active))
    else:
        row.active = active


@pytest.fixture
def pair(make_user, make_post):
    both, only_dup, only_orig, unfollower = (make_user() for _ in range(4))
    original = make_post(title="Dark mode")
    duplicate = make_post(title="Night theme please")
    for user in (both, only_dup, unfollower):
        votes.add(user, duplicate)
    for user in (both, only_orig):
        votes.add(user, original)
    for user, post, active in ((only_dup, duplicate, True), (both, duplicate, True), (both, original, True),
                               (unfollower, duplicate, True), (unfollower, original, False)):  # fmt: skip
        _follow(user, post, active)
    comments.add_comment(only_dup, duplicate, "Same here, at night it hurts.")
    db.session.commit()
    return original, duplicate, {"both": both, "only_dup": only_dup, "only_orig": only_orig, "unfollower": unfollower}


def test_merge_moves_votes_once_and_followers_and_undo_restores_exactly(pair, make_user):
    original, duplicate, people = pair
    moderator = make_user(Role.MODERATOR)
    before = {
        "orig_voters": voters(original), "dup_voters": voters(duplicate),
        "orig_followers": followers(original), "dup_followers": followers(duplicate),
        "dup_status": duplicate.status, "counts": (original.vote_count, duplicate.vote_count),
    }  # fmt: skip
    assert before["counts"] == (3, 4)  # each author's own vote counts

    merges.merge_posts(moderator, duplicate, original)
    db.session.commit()
    expected = before["orig_voters"] | before["dup_voters"]
    assert voters(original) == expected and voters(duplicate) == set()
    assert original.vote_count == len(expected) == 6  # "both" counted once
    assert recount() == []
    assert duplicate.status == Status.DUPLICATE and duplicate.merged_into_id == original.id
    assert (people["only_dup"].id, True) in followers(original)
    assert (people["unfollower"].id, False) in followers(original)  # an explicit unfollow stands
    assert comments.thread  # comments stay on the duplicate
    assert db.session.scalar(select(Post.comment_count).where(Post.id == duplicate.id)) == 1
    timeline = {
        c.post_id: c for c in db.session.scalars(select(StatusChange).where(StatusChange.merge_id.is_not(None)))
    }
    assert timeline[duplicate.id].to_status == Status.DUPLICATE and timeline[original.id].merge_id
    assert db.session.scalars(select(AuditEntry.action).where(AuditEntry.target_id == duplicate.id)).all() == ["merge"]

    merges.unmerge(moderator, duplicate)
    db.session.commit()
    assert voters(original) == before["orig_voters"] and voters(duplicate) == before["dup_voters"]
    assert followers(original) == before["orig_followers"] and followers(duplicate) == before["dup_followers"]
    assert duplicate.status == before["dup_status"] and duplicate.merged_into_id is None
    assert (original.vote_count, duplicate.vote_count) == before["counts"]
    assert recount() == []
    assert "unmerge" in db.session.scalars(select(AuditEntry.action)).all()


def test_merges_that_make_no_sense_are_refused(pair, make_user, make_post):
    original, duplicate, _ = pair
    moderator = make_user(Role.MODERATOR)
    with pytest.raises(Refused):
        merges.merge_posts(moderator, original, original)
    merges.merge_posts(moderator, duplicate, original)
    db.session.commit()
    with pytest.raises(Refused):
        merges.merge_posts(moderator, duplicate, make_post())
    with pytest.raises(Refused):
        merges.merge_posts(moderator, make_post(), duplicate)
    with pytest.raises(Refused):
        merges.unmerge(moderator, original)


@pytest.mark.parametrize(("role", "expected"), [(Role.MEMBER, 403), (Role.MODERATOR, 303), (Role.STAFF, 303),
                                                (Role.ADMIN, 303)])  # fmt: skip
def test_who_may_merge_through_the_page(pair, make_user, login_as, send, role, expected):
    original, duplicate, _ = pair
    login_as(make_user(role))
    reply = send(f"/posts/{duplicate.id}/merge", {"into": str(original.id)})
    assert reply.status_code == expected
    if expected == 303:
        assert reply.headers["Location"].startswith(f"/posts/{original.id}")
        page = send(f"/posts/{duplicate.id}/unmerge")
        assert page.status_code == 303


def test_merge_form_with_a_bad_target_keeps_the_page(pair, make_user, login_as, send, client):
    _, duplicate, _ = pair
    login_as(make_user(Role.MODERATOR))
    for into in ("", "abc", "99999999999", str(duplicate.id)):
        reply = send(f"/posts/{duplicate.id}/merge", {"into": into})
        assert reply.status_code in (409, 422)
    html = client.get(f"/posts/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert "Merge this duplicate into: words of the original" in html.replace("&#39;", "'")


def test_a_vote_racing_the_merge_gets_a_409_and_nothing_half_merged(pair, make_user, login_as, send, monkeypatch):
    from sqlalchemy.exc import IntegrityError

    original, duplicate, _ = pair
    real_merge = merges.merge_posts

    def clashing(actor, dup, orig):
        real_merge(actor, dup, orig)  # moves the votes, then a concurrent vote's row clashes
        raise IntegrityError("UPDATE votes", {}, Exception("duplicate key value violates uq_votes_user_id_post_id"))

    monkeypatch.setattr(merges, "merge_posts", clashing)
    login_as(make_user(Role.MODERATOR))
    reply = send(f"/posts/{duplicate.id}/merge", {"into": str(original.id)})
    assert reply.status_code == 409
    assert "Send the form again" in reply.get_data(as_text=True)
    assert db.session.get(Post, duplicate.id).merged_into_id is None
    assert db.session.get(Post, duplicate.id).status != Status.DUPLICATE
