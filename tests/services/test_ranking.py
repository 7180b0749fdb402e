import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import Post, User, Vote
from forum.services import votes
from forum.services.counters import recount
from forum.services.ranking import EMPTY, HALF_LIFE, decayed_votes, trending_score

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def test_a_vote_halves_in_weight_every_half_life():
    assert decayed_votes(trending_score([NOW]), NOW) == pytest.approx(1.0)
    assert decayed_votes(trending_score([NOW - HALF_LIFE]), NOW) == pytest.approx(0.5)
    assert decayed_votes(trending_score([NOW - 2 * HALF_LIFE, NOW]), NOW) == pytest.approx(1.25)
    assert decayed_votes(EMPTY, NOW) == 0.0
    assert trending_score([]) == EMPTY


def test_recent_votes_beat_many_old_ones_on_a_fixed_clock():
    old_favourite = trending_score([NOW - timedelta(days=30)] * 200)  # 200 votes a month ago
    rising = trending_score([NOW - timedelta(hours=h) for h in range(3)])  # 3 votes today
    assert rising > old_favourite
    assert decayed_votes(old_favourite, NOW) == pytest.approx(200 * 2**-10)
    # The order does not depend on when you look.
    later = NOW + timedelta(days=5)
    assert (decayed_votes(rising, later) > decayed_votes(old_favourite, later)) == (rising > old_favourite)


def test_huge_gaps_do_not_overflow():
    ancient = datetime(2024, 1, 2, tzinfo=UTC)
    score = trending_score([ancient, NOW + timedelta(days=3650)])
    assert math.isfinite(score)


def _stored_and_recomputed(post_id):
    db.session.rollback()
    stored = db.session.get(Post, post_id).trending_score
    times = db.session.scalars(select(Vote.created_at).where(Vote.post_id == post_id)).all()
    return stored, trending_score(times)


def test_the_score_moved_in_sql_equals_the_score_from_the_rows(make_post, make_user):
    post = make_post()
    voters = [make_user() for _ in range(4)]
    for voter in voters:
        votes.add(voter, post)
    db.session.commit()
    stored, recomputed = _stored_and_recomputed(post.id)
    assert stored == pytest.approx(recomputed, abs=1e-9)
    votes.remove(voters[1], db.session.get(Post, post.id))
    db.session.commit()
    stored, recomputed = _stored_and_recomputed(post.id)
    assert stored == pytest.approx(recomputed, abs=1e-9)


def test_taking_a_vote_back_rescores_from_the_counted_votes_in_sql(make_post, make_user):
    """The score after an unvote is summed in the database: votes of many ages (down to the
    microsecond); the votes of a suspended and of a deleted member left out, those of a member whose
    suspension has ended counted; no votes at all."""
    post = make_post()  # with its author's vote
    voters = [make_user() for _ in range(7)]
    for voter in voters:
        votes.add(voter, post)
    db.session.commit()
    when = {voter.id: NOW - timedelta(days=9 * n, seconds=n, microseconds=123457 * n) for n, voter in enumerate(voters)}
    when[post.author_id] = NOW - timedelta(hours=5, microseconds=999999)
    when[voters[4].id] = when[voters[5].id] = NOW  # the newest, and they do not count
    for user_id, voted_at in when.items():
        db.session.execute(update(Vote).where(Vote.user_id == user_id).values(created_at=voted_at))
    voters[4].suspended_until = datetime(2099, 1, 1, tzinfo=UTC)
    voters[5].deleted_at = datetime.now(UTC)
    voters[6].suspended_until = datetime.now(UTC) - timedelta(days=1)  # over: counts again
    db.session.commit()

    votes.remove(voters[0], db.session.get(Post, post.id))
    db.session.commit()
    counted = [when[post.author_id], *(when[voter.id] for voter in (*voters[1:4], voters[6]))]
    stored = db.session.get(Post, post.id).trending_score
    assert stored == pytest.approx(trending_score(counted), abs=1e-9)
    assert stored != pytest.approx(trending_score([*counted, when[voters[4].id]]), abs=1e-3)

    for user_id in [post.author_id, *(voter.id for voter in (*voters[1:4], voters[6]))]:  # the others stay
        votes.remove(db.session.get(User, user_id), db.session.get(Post, post.id))
    db.session.commit()
    assert db.session.get(Post, post.id).trending_score == EMPTY


def test_trending_page_prefers_posts_gaining_votes_now(make_post, make_user, client):
    old = make_post(title="Popular last month")
    for _ in range(6):
        votes.add(make_user(), old)
    fresh = make_post(title="Rising today")
    votes.add(make_user(), fresh)
    db.session.commit()
    month_ago = datetime.now(UTC) - timedelta(days=30)
    db.session.execute(update(Vote).where(Vote.post_id == old.id).values(created_at=month_ago))
    db.session.commit()
    recount()
    db.session.commit()
    page = client.get("/?sort=trending").get_data(as_text=True)
    assert page.index("Rising today") < page.index("Popular last month")
    top = client.get("/?sort=top").get_data(as_text=True)
    assert top.index("Popular last month") < top.index("Rising today")
