"""Counters rebuilt from the rows they count: the proof that none drifted."""

import math
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Comment, Post, User, Vote, counts_as_voter, uncounted_voters, utcnow
from forum.services.ranking import EMPTY, score_sql, trending_score, vote_weight_sql


@dataclass(frozen=True)
class Drift:
    post_id: int
    field: str
    stored: int
    actual: int


def counted_vote_times(post_ids: list[int] | None = None) -> dict[int, list]:
    """When each counted vote was cast, per post: votes of suspended or deleted accounts do not count."""
    query = select(Vote.post_id, Vote.created_at).join(User, User.id == Vote.user_id).where(counts_as_voter(utcnow()))
    if post_ids is not None:
        query = query.where(Vote.post_id.in_(post_ids))
    times: dict[int, list] = defaultdict(list)
    for post_id, voted_at in db.session.execute(query):
        times[post_id].append(voted_at)
    return times


def counted_score(post_id: int) -> float:
    """The post's trending score from its counted votes, summed in the database: reading every
    vote's time into Python (`counted_vote_times`) was most of taking a vote back on a busy post."""
    weight = vote_weight_sql(Vote.created_at, db.session.get_bind().dialect.name)
    # The post's votes but those of the few members who do not count: joining every voter to the
    # members made PostgreSQL hash every member for a much-voted post.
    weights = select(weight).where(Vote.post_id == post_id, Vote.user_id.not_in(uncounted_voters(utcnow())))
    score = db.session.execute(score_sql(weights)).scalar()
    return EMPTY if score is None else score


def recount(post_ids: list[int] | None = None) -> list[Drift]:
    """Set vote and comment counts (and trending scores) from the rows; report what differed.

    All posts, or only `post_ids` (after a suspension, say)."""
    vote_times = counted_vote_times(post_ids)
    # Comment counts show what members can read: neither deleted nor hidden comments.
    comments = select(Comment.post_id, func.count()).where(Comment.public())
    posts = select(Post.id, Post.vote_count, Post.comment_count, Post.trending_score)
    if post_ids is not None:
        comments = comments.where(Comment.post_id.in_(post_ids))
        posts = posts.where(Post.id.in_(post_ids))
    comment_counts = dict(db.session.execute(comments.group_by(Comment.post_id)).all())
    drift: list[Drift] = []
    for post_id, stored_votes, stored_comments, stored_score in db.session.execute(posts).all():
        actual_votes = len(vote_times[post_id])
        actual_comments = comment_counts.get(post_id, 0)
        actual_score = trending_score(vote_times[post_id])
        if stored_votes != actual_votes:
            drift.append(Drift(post_id, "vote_count", stored_votes, actual_votes))
        if stored_comments != actual_comments:
            drift.append(Drift(post_id, "comment_count", stored_comments, actual_comments))
        unchanged = (stored_votes, stored_comments) == (actual_votes, actual_comments)
        if unchanged and math.isclose(stored_score, actual_score, rel_tol=0, abs_tol=1e-6):
            continue
        db.session.execute(
            update(Post)
            .where(Post.id == post_id)
            .values(vote_count=actual_votes, comment_count=actual_comments, trending_score=actual_score),
            execution_options={"synchronize_session": False},
        )
    return drift
