"""The public roadmap: columns filled from statuses and votes, never by hand."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from sqlalchemy import CompoundSelect, Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from forum import markup, visibility
from forum.extensions import db
from forum.models import Category, Kind, OfficialResponse, Post, Status, utcnow
from forum.permissions import Guardian
from forum.services import posts
from forum.services.posts import Card, CategoryChoice

MOST_WANTED = "most_wanted"
CARDS_PER_COLUMN = 12
LINE_MAX = 110  # a card's excerpt of the latest answer: one line of a column, cut with an ellipsis
DONE_WINDOW = timedelta(days=90)


@dataclass
class Column:
    key: str
    title: str
    description: str
    status: Status  # the status a card dropped here gets
    cards: list[Card] = field(default_factory=list)
    total: int = 0  # every post the column stands for, shown or not

    @property
    def has_more(self) -> bool:
        return self.total > len(self.cards)


def _columns() -> list[Column]:
    return [
        Column(MOST_WANTED, "Most wanted", "Open requests with the most votes", Status.OPEN),
        Column(Status.UNDER_REVIEW, "Under review", "We are looking into these", Status.UNDER_REVIEW),
        Column(Status.PLANNED, "Planned", "On our plan", Status.PLANNED),
        Column(Status.IN_PROGRESS, "In progress", "Being built now", Status.IN_PROGRESS),
        Column(Status.DONE, "Done", "Shipped in the last 90 days", Status.DONE),
    ]


def board(
    viewer: Guardian, *, category: Category | CategoryChoice | None = None, kind: Kind | None = None
) -> tuple[list[Column], dict[int, str]]:
    """Every column with its cards and its true count, and each card's latest official response
    (first line).

    One query for the five columns (a UNION ALL of five short index scans) and their responses, and
    one that counts each column's posts: a column shows its first cards, and links to the rest."""
    columns = _columns()
    params = {"done_since": utcnow() - DONE_WINDOW}
    if category is not None:
        params["category_id"] = category.id
    if kind is not None:
        params["kind"] = kind
    seen = visibility.shape(viewer)
    params.update(visibility.params(viewer))
    statement = _board_statement(
        tuple(column.status for column in columns), category is not None, kind is not None, seen
    )
    lines = {}
    for row in db.session.execute(statement, params):
        card = posts.card(row)
        columns[row.column_number].cards.append(card)
        if row.response_body is not None:
            lines[card.id] = markup.first_line(row.response_body, LINE_MAX)
    counts = _count_statement(category is not None, kind is not None, seen)
    totals = dict(db.session.execute(counts, params).all())
    for column in columns:
        column.total = totals.get(str(column.status), 0)
    return columns, lines


@cache
def _count_statement(by_category: bool, by_kind: bool, seen: visibility.Shape) -> Select:
    """How many public posts each column stands for (done ones: within the window only)."""
    query = (
        select(Post.status, func.count())
        .where(Post.public(), visibility.condition(seen), Post.status.in_([column.status for column in _columns()]))
        .where((Post.status != Status.DONE) | (Post.status_changed_at >= bindparam("done_since")))
        .group_by(Post.status)
    )
    if by_category:
        query = query.where(Post.category_id == bindparam("category_id"))
    if by_kind:
        query = query.where(Post.kind == bindparam("kind"))
    return query


@cache
def _board_statement(
    statuses: tuple[Status, ...], by_category: bool, by_kind: bool, seen: visibility.Shape
) -> CompoundSelect:
    """The board's query, built once per shape: building five subqueries took longer than running
    them (SQLAlchemy makes their column proxies anew each time)."""
    newest_response = (
        select(OfficialResponse.body)
        .where(OfficialResponse.post_id == Post.id)
        .order_by(OfficialResponse.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    parts = []
    for number, status in enumerate(statuses):
        query = _public(
            posts.card_query().add_columns(
                newest_response.label("response_body"), literal(number).label("column_number")
            )
        ).where(visibility.condition(seen))
        if by_category:
            query = query.where(Post.category_id == bindparam("category_id"))
        if by_kind:
            query = query.where(Post.kind == bindparam("kind"))
        if status == Status.DONE:
            query = query.where(Post.status == Status.DONE, Post.status_changed_at >= bindparam("done_since"))
            query = query.order_by(Post.status_changed_at.desc(), Post.id.desc())
        else:
            query = query.where(Post.status == status).order_by(Post.vote_count.desc(), Post.id.desc())
        parts.append(select(query.limit(CARDS_PER_COLUMN).subquery()))
    return union_all(*parts)


def _public(query: Select) -> Select:
    return query.where(Post.public())


def latest_response_lines(post_ids: list[int], *, whole: bool = False) -> dict[int, str]:
    """The first line (or the whole text, for feeds) of each post's newest official response, in one
    query."""
    if not post_ids:
        return {}
    newest = (
        select(func.max(OfficialResponse.id))
        .where(OfficialResponse.post_id.in_(post_ids))
        .group_by(OfficialResponse.post_id)
    )
    rows = db.session.execute(
        select(OfficialResponse.post_id, OfficialResponse.body).where(OfficialResponse.id.in_(newest))
    )
    teaser = markup.plain_text if whole else markup.first_line
    return {post_id: teaser(body) for post_id, body in rows}


def shipped(viewer: Guardian, *, page: int, per_page: int) -> tuple[list[Post], bool]:
    """Done posts the viewer may see, newest release first: the changelog."""
    query = (
        _public(select(Post))
        .where(Post.status == Status.DONE, visibility.visible_posts(viewer))
        .options(joinedload(Post.category))
        .order_by(Post.status_changed_at.desc(), Post.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    found = list(db.session.scalars(query))
    return found[:per_page], len(found) > per_page
