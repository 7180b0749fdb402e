"""Figures for people who decide: how fast the company answers (public), and
what customers ask for most, what is rising, and volumes over time (staff)."""

import statistics
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased, joinedload

from forum.extensions import db
from forum.models import Category, Kind, Post, Vote, utcnow
from forum.permissions import Guardian
from forum.visibility import all_categories, visible_posts

TOP_SIZE = 10


@dataclass(frozen=True)
class Responsiveness:
    label: str
    posts: int
    answered: int
    median: timedelta | None
    p90: timedelta | None

    @property
    def share(self) -> float:
        return self.answered / self.posts if self.posts else 0.0


def _summarise(label: str, rows: list[tuple]) -> Responsiveness:
    waits = sorted((answered - created).total_seconds() for _, created, answered in rows if answered is not None)
    median = p90 = None
    if waits:
        median = timedelta(seconds=statistics.median(waits))
        p90 = timedelta(seconds=_percentile(waits, 0.9))
    return Responsiveness(label, len(rows), len(waits), median, p90)


def _percentile(sorted_values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (the 'inclusive' method)."""
    if len(sorted_values) == 1:
        return sorted_values[0]
    return statistics.quantiles(sorted_values, n=100, method="inclusive")[round(fraction * 100) - 1]


def responsiveness(
    viewer: Guardian, months: int = 12
) -> tuple[Responsiveness, list[Responsiveness], list[Responsiveness]]:
    """Overall, per category, and per month of posting (newest month first), over the posts the
    viewer may see."""
    rows = db.session.execute(
        select(Post.category_id, Post.created_at, Post.first_response_at).where(Post.public(), visible_posts(viewer))
    ).all()
    hidden = viewer.hidden_category_ids()
    categories = [(c.id, c.name) for c in all_categories() if c.id not in hidden]
    by_category = [_summarise(name, [r for r in rows if r[0] == cid]) for cid, name in categories]
    by_month: dict[str, list[tuple]] = {}
    for row in rows:
        by_month.setdefault(row[1].strftime("%Y-%m"), []).append(row)
    monthly = [_summarise(month, by_month[month]) for month in sorted(by_month, reverse=True)[:months]]
    return _summarise("All posts", rows), [c for c in by_category if c.posts], monthly


def humanize(duration: timedelta | None) -> str:
    if duration is None:
        return "—"
    hours = duration.total_seconds() / 3600
    if hours < 1:
        return f"{max(1, round(hours * 60))} min"
    if hours < 48:
        return f"{hours:.1f} h".replace(".0 h", " h")
    return f"{hours / 24:.1f} days".replace(".0 days", " days")


@dataclass(frozen=True)
class Request:
    post: Post
    votes_in_period: int
    voters_active_elsewhere: int


def _public(viewer: Guardian):
    return select(Post).where(Post.public(), visible_posts(viewer))


def top_requests(viewer: Guardian, since: datetime) -> tuple[list[Request], list[Request]]:
    """The most voted posts of all time, and those that gained most votes since `since`."""
    by_votes = list(
        db.session.scalars(
            _public(viewer).options(joinedload(Post.category)).order_by(Post.vote_count.desc(), Post.id).limit(TOP_SIZE)
        )
    )
    gained_rows = db.session.execute(
        select(Vote.post_id, func.count().label("gained"))
        .join(Post, Post.id == Vote.post_id)
        .where(Vote.created_at >= since, Post.public(), visible_posts(viewer))
        .group_by(Vote.post_id)
        .order_by(func.count().desc(), Vote.post_id)
        .limit(TOP_SIZE)
    ).all()
    rising_ids = [post_id for post_id, _ in gained_rows]
    rising_posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(rising_ids)).options(joinedload(Post.category)))}  # fmt: skip
    ids = [p.id for p in by_votes] + rising_ids
    gained = _votes_since([p.id for p in by_votes], since) | dict(gained_rows)
    elsewhere = voters_active_elsewhere(ids)
    top = [Request(p, gained.get(p.id, 0), elsewhere.get(p.id, 0)) for p in by_votes]
    rising = [Request(rising_posts[i], n, elsewhere.get(i, 0)) for i, n in gained_rows]
    return top, rising


def _votes_since(post_ids: list[int], since: datetime) -> dict[int, int]:
    if not post_ids:
        return {}
    rows = db.session.execute(
        select(Vote.post_id, func.count())
        .where(Vote.post_id.in_(post_ids), Vote.created_at >= since)
        .group_by(Vote.post_id)
    )
    return dict(rows.all())


def voters_active_elsewhere(post_ids: list[int]) -> dict[int, int]:
    """For each post, how many of its voters also voted for another post."""
    if not post_ids:
        return {}
    other = aliased(Vote)
    rows = db.session.execute(
        select(Vote.post_id, func.count(func.distinct(Vote.user_id)))
        .where(
            Vote.post_id.in_(post_ids),
            exists().where(and_(other.user_id == Vote.user_id, other.post_id != Vote.post_id)),
        )
        .group_by(Vote.post_id)
    )
    return dict(rows.all())


def month_key(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def last_months(count: int, now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    months, year, month = [], now.year, now.month
    for _ in range(count):
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def volumes(viewer: Guardian, months: int = 6) -> tuple[list[str], dict[str, Counter], dict[str, Counter]]:
    """New posts per month, per category name and per kind: (months, by_category, by_kind)."""
    keys = last_months(months)
    start = datetime.strptime(keys[0] + "-01", "%Y-%m-%d").replace(tzinfo=utcnow().tzinfo)
    rows = db.session.execute(
        select(Post.created_at, Category.name, Post.kind)
        .join(Category, Category.id == Post.category_id)
        .where(Post.public(), visible_posts(viewer), Post.created_at >= start)
    ).all()
    by_category: dict[str, Counter] = {}
    by_kind: dict[str, Counter] = {kind.label: Counter() for kind in Kind}
    for created_at, category, kind in rows:
        by_category.setdefault(category, Counter())[month_key(created_at)] += 1
        by_kind[Kind(kind).label][month_key(created_at)] += 1
    return keys, dict(sorted(by_category.items())), by_kind


def weekly_votes(post: Post, now: datetime | None = None) -> list[tuple[datetime, int]]:
    """Votes per week (weeks start on Monday) from the post's first week to now."""
    now = now or utcnow()
    times = db.session.scalars(select(Vote.created_at).where(Vote.post_id == post.id))
    counts = Counter(_week_start(t) for t in times)
    week, last = _week_start(post.created_at), _week_start(now)
    series = []
    while week <= last:
        series.append((week, counts.get(week, 0)))
        week += timedelta(days=7)
    return series[-52:]


def _week_start(moment: datetime) -> datetime:
    day = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())
