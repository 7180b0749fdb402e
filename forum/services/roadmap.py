"""The public roadmap: columns filled from statuses and votes, never by hand."""

from dataclasses import dataclass, field
from datetime import timedelta
from functools import cache

from sqlalchemy import CompoundSelect, Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import joinedload

from forum import markup, visibility
from forum.extensions import db
from forum.models import Category, Kind, OfficialResponse, Post, StatusKind, TagInfo, statuses, utcnow
from forum.models.taxonomy import StatusRegistry
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
    status: str  # the status a card dropped here gets
    statuses: tuple[str, ...] = ()  # the statuses whose posts it shows
    recent_only: bool = False  # a column of done posts shows those of the last DONE_WINDOW
    cards: list[Card] = field(default_factory=list)
    total: int = 0  # every post the column stands for, shown or not

    @property
    def has_more(self) -> bool:
        return self.total > len(self.cards)


# What the columns of the first six statuses said before statuses could be named; a new status says
# what its kind does.
DESCRIPTIONS = {"under_review": "We are looking into these", "planned": "On our plan", "in_progress": "Being built now"}
KIND_DESCRIPTIONS = {
    StatusKind.REVIEW: "We are looking into these",
    StatusKind.ACTIVE: "On our plan",
    StatusKind.DONE: "Shipped in the last 90 days",
    StatusKind.DECLINED: "Not something we will do",
}


def columns(registry: StatusRegistry | None = None) -> list[Column]:
    """The board's columns: "Most wanted" (open posts by votes), then one column per status shown on
    the roadmap, in the admins' order. A status an admin adds is a column at once."""
    registry = registry or statuses()
    shown = [s for s in registry.current if s.show_on_roadmap]
    waiting = [s for s in shown if s.kind == StatusKind.OPEN]
    found = []
    if waiting:
        found.append(Column(MOST_WANTED, "Most wanted", "Open requests with the most votes", waiting[0].slug,
                            tuple(s.slug for s in waiting)))  # fmt: skip
    for status in shown:
        if status.kind == StatusKind.OPEN:
            continue
        description = DESCRIPTIONS.get(status.slug) or KIND_DESCRIPTIONS[status.kind]
        found.append(Column(status.slug, status.label, description, status.slug, (status.slug,),
                            recent_only=status.kind == StatusKind.DONE))  # fmt: skip
    return found


def board(
    viewer: Guardian,
    *,
    category: Category | CategoryChoice | None = None,
    kind: Kind | None = None,
    tag: TagInfo | None = None,
) -> tuple[list[Column], dict[int, str]]:
    """Every column with its cards and its true count, and each card's latest official response
    (first line).

    One query for the columns (a UNION ALL of short index scans) and their responses, and one that
    counts each status's posts: a column shows its first cards, and links to the rest."""
    board_columns = columns()
    if not board_columns:  # every status hidden from the roadmap
        return [], {}
    params = {"done_since": utcnow() - DONE_WINDOW}
    if category is not None:
        params["category_id"] = category.id
    if kind is not None:
        params["kind"] = kind
    if tag is not None:
        params["tag_id"] = tag.id
    shape = tuple((column.statuses, column.recent_only) for column in board_columns)
    seen = visibility.shape(viewer)
    params.update(visibility.params(viewer))
    statement = _board_statement(shape, category is not None, kind is not None, tag is not None, seen)
    lines = {}
    for row in db.session.execute(statement, params):
        card = posts.card(row)
        board_columns[row.column_number].cards.append(card)
        if row.response_body is not None:
            lines[card.id] = markup.first_line(row.response_body, LINE_MAX)
    counts = _count_statement(shape, category is not None, kind is not None, tag is not None, seen)
    totals = dict(db.session.execute(counts, params).all())
    for column in board_columns:
        column.total = sum(totals.get(status, 0) for status in column.statuses)
    return board_columns, lines


Shape = tuple[tuple[tuple[str, ...], bool], ...]


def _in_column(query: Select, column_statuses: tuple[str, ...], recent_only: bool) -> Select:
    query = query.where(Post.status.in_(column_statuses))
    if recent_only:
        query = query.where(Post.status_changed_at >= bindparam("done_since"))
    return query


def _filtered(query: Select, by_category: bool, by_kind: bool, by_tag: bool, seen: visibility.Shape) -> Select:
    query = query.where(visibility.condition(seen))
    if by_category:
        query = query.where(Post.category_id == bindparam("category_id"))
    if by_kind:
        query = query.where(Post.kind == bindparam("kind"))
    if by_tag:
        query = query.where(posts.tagged())
    return query


@cache
def _count_statement(shape: Shape, by_category: bool, by_kind: bool, by_tag: bool, seen: visibility.Shape) -> Select:
    """How many public posts each column's statuses hold (done ones: within the window only)."""
    recent = [status for column_statuses, recent_only in shape if recent_only for status in column_statuses]
    others = [status for column_statuses, recent_only in shape if not recent_only for status in column_statuses]
    query = (
        select(Post.status, func.count())
        .where(Post.public(), Post.status.in_(recent + others or [""]))
        .where(Post.status.in_(others or [""]) | (Post.status_changed_at >= bindparam("done_since")))
        .group_by(Post.status)
    )
    return _filtered(query, by_category, by_kind, by_tag, seen)


@cache
def _board_statement(
    shape: Shape, by_category: bool, by_kind: bool, by_tag: bool, seen: visibility.Shape
) -> CompoundSelect:
    """The board's query, built once per shape: building its subqueries took longer than running
    them (SQLAlchemy makes their column proxies anew each time)."""
    newest_response = (
        select(OfficialResponse.body)
        .where(OfficialResponse.post_id == Post.id)
        .order_by(OfficialResponse.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    parts = []
    for number, (column_statuses, recent_only) in enumerate(shape):
        query = _public(
            posts.card_query().add_columns(
                newest_response.label("response_body"), literal(number).label("column_number")
            )
        )
        query = _in_column(_filtered(query, by_category, by_kind, by_tag, seen), column_statuses, recent_only)
        if recent_only:
            query = query.order_by(Post.status_changed_at.desc(), Post.id.desc())
        else:
            query = query.order_by(Post.vote_count.desc(), Post.id.desc())
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
        .where(Post.status.in_(statuses().of_kinds({StatusKind.DONE})), visibility.visible_posts(viewer))
        .options(joinedload(Post.category))
        .order_by(Post.status_changed_at.desc(), Post.id.desc())
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    found = list(db.session.scalars(query))
    return found[:per_page], len(found) > per_page
