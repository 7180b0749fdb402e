"""The staff queue: unanswered posts, most urgent first.

    urgency = kind_weight × (votes_24h + 0.5 × comments_24h + votes / (age_days + 1))

`votes_24h` and `comments_24h` measure how fast a post is gathering support
right now; the last term keeps a steadily popular post from sinking just
because today was quiet. Complaints weigh 1.5: an unanswered complaint is the
one that spreads. Ties go to the older post (it has waited longer), then id.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Comment, Kind, OfficialResponse, Post, Status, User, Vote, utcnow

KIND_WEIGHT = {Kind.COMPLAINT: 1.5, Kind.IDEA: 1.0}
WINDOW = timedelta(hours=24)
QUEUE_SIZE = 50
UNANSWERED_STATUSES = (Status.OPEN, Status.UNDER_REVIEW)


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
    age_days = max((now - created_at).total_seconds(), 0) / 86400
    return KIND_WEIGHT[Kind(kind)] * (votes_24h + 0.5 * comments_24h + votes / (age_days + 1))


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


def unanswered(now: datetime | None = None, limit: int = QUEUE_SIZE) -> list[QueueItem]:
    now = now or utcnow()
    candidates = db.session.execute(
        select(Post.id, Post.kind, Post.vote_count, Post.created_at).where(
            Post.public(),
            Post.first_response_at.is_(None),
            Post.status.in_(UNANSWERED_STATUSES),
        )
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


def answered(*, by: User | None = None, limit: int = QUEUE_SIZE) -> list[Post]:
    """Answered posts, most recently active first; `by` keeps those that staff member answered."""
    query = _public_posts().where(Post.first_response_at.is_not(None))
    if by is not None:
        mine = select(OfficialResponse.post_id).where(OfficialResponse.author_id == by.id)
        query = query.where(Post.id.in_(mine))
    query = query.options(joinedload(Post.category), joinedload(Post.author))
    return list(db.session.scalars(query.order_by(Post.last_activity_at.desc(), Post.id.desc()).limit(limit)))
