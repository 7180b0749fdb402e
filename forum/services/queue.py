"""The staff queue: unanswered posts, the one that hurts most first.

    urgency = kind_weight × demand × waiting
    demand  = votes + 4 × votes_24h + 2 × comments_24h
    waiting = 1 + ln(1 + days_unanswered)

Demand counts everyone who said "me too", and counts today's voices again: a post gathering support
now is spreading now. Waiting grows for as long as a post has no official answer, so a popular
complaint left alone for weeks climbs above anything new; it grows as a logarithm so that weeks of
silence never bury a surge of today. A 60-vote complaint unanswered for 51 days scores about 446, a
new complaint with its author's vote 7.5. Complaints weigh 1.5: an unanswered complaint is the one
that spreads. Ties go to the older post (it has waited longer), then id.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Category, Comment, Flag, Kind, OfficialResponse, Post, Status, User, Vote, utcnow
from forum.permissions import Guardian
from forum.visibility import visible_posts

KIND_WEIGHT = {Kind.COMPLAINT: 1.5, Kind.IDEA: 1.0}
RECENT_VOTE_WEIGHT = 4
RECENT_COMMENT_WEIGHT = 2
FORMULA = "urgency = kind weight × (votes + 4 × votes in 24 h + 2 × comments in 24 h) × (1 + ln(1 + days unanswered))"
WINDOW = timedelta(hours=24)
QUEUE_SIZE = 50
UNANSWERED_STATUSES = (Status.OPEN, Status.UNDER_REVIEW)


@dataclass(frozen=True)
class QueueFilter:
    kind: Kind | None = None
    status: Status | None = None
    category: Category | None = None
    viewer: Guardian | None = None  # the staff member looking (None: the whole forum, for commands)

    def apply(self, query):
        if self.viewer is not None:
            query = query.where(visible_posts(self.viewer))
        if self.kind is not None:
            query = query.where(Post.kind == self.kind)
        if self.status is not None:
            query = query.where(Post.status == self.status)
        if self.category is not None:
            query = query.where(Post.category_id == self.category.id)
        return query


@dataclass(frozen=True)
class QueueItem:
    post: Post
    urgency: float
    votes_24h: int
    comments_24h: int

    @property
    def age(self) -> timedelta:
        return utcnow() - self.post.created_at


def urgency(kind: str, votes: int, votes_24h: int, comments_24h: int, created_at: datetime, now: datetime) -> float:
    """See the module's docstring; `created_at` starts the wait (the post has no official answer)."""
    days_waiting = max((now - created_at).total_seconds(), 0) / 86400
    demand = votes + RECENT_VOTE_WEIGHT * votes_24h + RECENT_COMMENT_WEIGHT * comments_24h
    return KIND_WEIGHT[Kind(kind)] * demand * (1 + math.log1p(days_waiting))


def _recent_counts(model, post_ids: list[int], since: datetime) -> dict[int, int]:
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(model.post_id, func.count())
        .where(model.post_id.in_(post_ids), model.created_at >= since)
        .group_by(model.post_id)
    )
    return dict(rows.all())


def _public_posts():
    return select(Post).where(Post.public())


def _unanswered_posts(query):
    return query.where(Post.public(), Post.first_response_at.is_(None), Post.status.in_(UNANSWERED_STATUSES))


def unanswered(
    now: datetime | None = None, limit: int = QUEUE_SIZE, filters: QueueFilter = QueueFilter()
) -> list[QueueItem]:
    now = now or utcnow()
    candidates = db.session.execute(
        filters.apply(_unanswered_posts(select(Post.id, Post.kind, Post.vote_count, Post.created_at)))
    ).all()
    ids = [row.id for row in candidates]
    votes_24h = _recent_counts(Vote, ids, now - WINDOW)
    comments_24h = _recent_counts(Comment, ids, now - WINDOW)

    def rank(row):
        score = urgency(row.kind, row.vote_count, votes_24h.get(row.id, 0), comments_24h.get(row.id, 0),
                        row.created_at, now)  # fmt: skip
        return (-score, row.created_at, row.id)

    scored = sorted(rank(row) for row in candidates)[:limit]
    top_ids = [post_id for _, _, post_id in scored]
    posts = {
        p.id: p
        for p in db.session.scalars(
            select(Post).where(Post.id.in_(top_ids)).options(joinedload(Post.category), joinedload(Post.author))
        )
    }
    return [
        QueueItem(posts[post_id], -score, votes_24h.get(post_id, 0), comments_24h.get(post_id, 0))
        for score, _, post_id in scored
    ]


def answered(*, by: User | None = None, limit: int = QUEUE_SIZE, filters: QueueFilter = QueueFilter()) -> list[Post]:
    """Answered posts, most recently active first; `by` keeps those that staff member answered."""
    query = filters.apply(_public_posts().where(Post.first_response_at.is_not(None)))
    if by is not None:
        mine = select(OfficialResponse.post_id).where(OfficialResponse.author_id == by.id)
        query = query.where(Post.id.in_(mine))
    query = query.options(joinedload(Post.category), joinedload(Post.author))
    return list(db.session.scalars(query.order_by(Post.last_activity_at.desc(), Post.id.desc()).limit(limit)))


def waiting_counts() -> tuple[int, int]:
    """How many posts wait for an official answer, and how many posts and comments for a moderator's
    decision on their reports: the staff bar's figures, in one query."""
    reported = select(Flag.target_type, Flag.target_id).where(Flag.resolved_at.is_(None)).distinct().subquery()
    row = db.session.execute(
        select(
            _unanswered_posts(select(func.count()).select_from(Post)).scalar_subquery(),
            select(func.count()).select_from(reported).scalar_subquery(),
        )
    ).one()
    return row[0], row[1]
