"""Posting, editing and deleting posts, and the lists that show them."""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import ColumnElement, Select, and_, bindparam, func, select, update
from sqlalchemy.orm import joinedload

from forum import markup, visibility
from forum.extensions import db
from forum.models import (
    CLOSED_STATUSES,
    Category,
    Flag,
    FlagReason,
    Kind,
    Post,
    PostRevision,
    Role,
    Status,
    User,
    utcnow,
)
from forum.permissions import Guardian, anyone
from forum.services import audit, votes
from forum.services.ranking import EMPTY
from forum.visibility import CategoryChoice, all_categories

TITLE_MAX = 120
BODY_MAX = 20000
# A second identical submission within this window is the same post (a
# double click, a resent form), not a new one.
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=10)

SORTS = {
    "trending": (Post.trending_score.desc(), Post.id.desc()),
    "top": (Post.vote_count.desc(), Post.id.desc()),
    "new": (Post.created_at.desc(), Post.id.desc()),
    "active": (Post.last_activity_at.desc(), Post.id.desc()),
}
DEFAULT_SORT = "trending"
# Sorts that rank what is still wanted: closed posts (done, declined, duplicate) stay out unless asked for.
OPEN_ONLY_SORTS = frozenset({"trending", "top"})
EXCERPT_MAX = 140
EXCERPT_SOURCE = 600  # characters of the body read for a card's excerpt


def slugify(title: str) -> str:
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:60].rstrip("-") or "post"


def create_post(actor: User, *, kind: Kind, title: str, body: str, category: "Category | CategoryChoice") -> Post:
    """Publish a post; the author's own vote counts from the start."""
    Guardian(actor).ensure(Guardian(actor).can_post())
    title = markup.one_line(title)
    body = markup.clean_text(body).strip()
    previous = _recent_twin(actor, title, body)
    if previous is not None:
        return previous
    now = utcnow()
    post = Post(
        kind=Kind(kind),
        title=title,
        slug=slugify(title),
        body=body,
        body_html=markup.render(body),
        category_id=category.id,
        author_id=actor.id,
        status=Status.OPEN,
        created_at=now,
        last_activity_at=now,
        trending_score=EMPTY,
    )
    db.session.add(post)
    db.session.flush()
    votes.add(actor, post)  # also follows the post
    if _must_hold(actor, post):
        post.is_hidden = True
        db.session.add(Flag(user_id=actor.id, target_type="post", target_id=post.id, reason=FlagReason.HELD))
        db.session.flush()
    return post


def _must_hold(actor: User, post: Post) -> bool:
    """A new member's first posts wait for a moderator (HOLD_FIRST_POSTS; 0 turns it off).
    Only published posts count, so a spammer whose posts were refused stays held."""
    wanted = current_app.config["HOLD_FIRST_POSTS"]
    if wanted <= 0 or actor.role != Role.MEMBER:
        return False
    published = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.author_id == actor.id, Post.id != post.id, Post.public())
    )
    return published < wanted


def is_held(post: Post) -> bool:
    return post.is_hidden and db.session.scalar(
        select(func.count())
        .select_from(Flag)
        .where(Flag.target_type == "post", Flag.target_id == post.id, Flag.reason == FlagReason.HELD,
               Flag.resolved_at.is_(None))
    ) > 0  # fmt: skip


def _recent_twin(actor: User, title: str, body: str) -> Post | None:
    return db.session.scalars(
        select(Post)
        .where(
            Post.author_id == actor.id,
            Post.title == title,
            Post.body == body,
            Post.deleted_at.is_(None),
            Post.created_at >= utcnow() - DOUBLE_SUBMIT_WINDOW,
        )
        .limit(1)
    ).first()


def edit_post(actor: User, post: Post, *, title: str, body: str, category: Category, kind: Kind) -> bool:
    """Change a post, keeping what it said before as a revision. False when nothing changed."""
    Guardian(actor).ensure(Guardian(actor).can_edit_post(post))
    title = markup.one_line(title)
    body = markup.clean_text(body).strip()
    if (title, body, category.id, Kind(kind)) == (post.title, post.body, post.category_id, post.kind):
        return False
    revision = PostRevision(post_id=post.id, editor_id=actor.id, title=post.title, body=post.body)
    db.session.add(revision)
    if actor.id != post.author_id:
        db.session.flush()
        audit.record(actor, "edit", "post", post.id, {"title": post.title, "revision_id": revision.id},
                     {"title": title})  # fmt: skip
    post.edited_by_id = None if actor.id == post.author_id else actor.id
    if body != post.body:
        post.body_html = markup.render(body)
    post.title, post.slug, post.body = title, slugify(title), body
    post.category_id, post.kind = category.id, Kind(kind)
    post.updated_at = utcnow()
    db.session.flush()
    return True


def delete_post(actor: User, post: Post) -> None:
    """Soft delete: the row and every vote and comment stay, out of sight."""
    Guardian(actor).ensure(Guardian(actor).can_delete_post(post))
    if actor.id != post.author_id:
        audit.record(actor, "delete", "post", post.id, {"deleted_at": None}, {"deleted_at": utcnow()})
    post.deleted_at = utcnow()
    db.session.flush()


def touch(post: Post) -> None:
    """Mark activity on a post (for the `active` sort) without a read-modify-write."""
    db.session.execute(
        update(Post).where(Post.id == post.id).values(last_activity_at=utcnow()),
        execution_options={"synchronize_session": False},
    )


@dataclass(frozen=True)
class PostFilter:
    sort: str = DEFAULT_SORT
    kind: Kind | None = None
    status: Status | None = None
    category: Category | None = None
    include_closed: bool = False

    @property
    def open_only(self) -> bool:
        """Trending and Top leave closed posts out, unless a status is chosen or closed ones asked for."""
        return self.sort in OPEN_ONLY_SORTS and self.status is None and not self.include_closed


@dataclass(frozen=True, slots=True)
class CardAuthor:
    display_name: str
    role: str = "member"


@dataclass(frozen=True, slots=True)
class CardCategory:
    slug: str
    name: str


@dataclass(frozen=True, slots=True)
class Card:
    """What a post's card in a list shows, read as plain rows.

    Cheaper to load than `Post` objects with their author and category (a third of the home page's
    time went there)."""

    id: int
    slug: str
    title: str
    kind: str
    status: str
    vote_count: int
    comment_count: int
    created_at: datetime
    is_pinned: bool
    is_hidden: bool
    deleted_at: datetime | None
    author_id: int
    category_id: int  # with the three above, what Guardian.can_see_post reads
    author: CardAuthor
    category: CardCategory
    body_start: str = ""  # the body's first characters: enough for the excerpt, never the whole body

    @property
    def is_closed(self) -> bool:
        return Status(self.status).is_closed

    @property
    def excerpt(self) -> str:
        return markup.first_line(self.body_start, EXCERPT_MAX)


_CARD_COLUMNS = (
    Post.id,
    Post.slug,
    Post.title,
    Post.kind,
    Post.status,
    Post.vote_count,
    Post.comment_count,
    Post.created_at,
    Post.is_pinned,
    Post.is_hidden,
    Post.deleted_at,
    Post.author_id,
    Post.category_id,
    User.display_name,
    Category.slug,
    Category.name,
    func.substr(Post.body, 1, EXCERPT_SOURCE).label("body_start"),
)


def card_query() -> Select:
    """The columns of `Card`, from posts joined to their author and category."""
    return select(*_CARD_COLUMNS).join(User, User.id == Post.author_id).join(Category, Category.id == Post.category_id)


def cards(query: Select) -> list[Card]:
    """The cards a `card_query()`, filtered and ordered, finds."""
    return [card(row) for row in db.session.connection().execute(query)]


def card(row) -> Card:
    """A card from a row of `card_query()` (columns added after its own are ignored)."""
    return Card(*row[:13], author=CardAuthor(row[13]), category=CardCategory(row[14], row[15]), body_start=row[16])


def cards_by_id(viewer: Guardian, post_ids: list[int]) -> dict[int, Card]:
    """The cards of these posts that the viewer may see, by id (search results)."""
    if not post_ids:
        return {}
    rows = db.session.connection().execute(_CARDS_BY_ID, {"ids": post_ids})
    return {found.id: found for found in map(card, rows) if viewer.can_see_post(found)}


_CARDS_BY_ID = card_query().where(Post.id.in_(bindparam("ids", expanding=True)))


def listing(viewer: Guardian, filters: PostFilter, *, page: int, per_page: int) -> tuple[list[Card], bool]:
    """One page of the posts a viewer may see, as cards, and whether there is a next page."""
    params = {"offset": (page - 1) * per_page, "limit": per_page + 1}
    if filters.kind:
        params["kind"] = filters.kind
    if filters.status:
        params["status"] = filters.status
    if filters.category:
        params["category_id"] = filters.category.id
    sort = filters.sort if filters.sort in SORTS else DEFAULT_SORT
    if filters.open_only:
        params["closed"] = sorted(CLOSED_STATUSES)
    query = _listing_statement(sort, visibility.shape(viewer), frozenset(params))
    params.update(visibility.params(viewer))
    found = [card(row) for row in db.session.connection().execute(query, params)]
    return found[:per_page], len(found) > per_page


@cache
def _listing_statement(sort: str, seen: visibility.Shape, given: frozenset[str]) -> Select:
    """The list's query, built once per shape (sort, filters, whom it shows): on the busiest page,
    building it took longer than running it."""
    query = card_query().where(visibility.condition(seen))
    if not seen.sees_hidden_posts:
        query = query.where(Post.public())  # an author's held post waits out of lists until approved
    if "kind" in given:
        query = query.where(Post.kind == bindparam("kind"))
    if "status" in given:
        query = query.where(Post.status == bindparam("status"))
    if "category_id" in given:
        query = query.where(Post.category_id == bindparam("category_id"))
    if "closed" in given:
        query = query.where(Post.status.not_in(bindparam("closed", expanding=True)))
    return query.order_by(*SORTS[sort]).offset(bindparam("offset")).limit(bindparam("limit"))


def categories(viewer: Guardian) -> tuple[CategoryChoice, ...]:
    """The categories the viewer may see, in menu order (a visitor never reads a private one's name)."""
    hidden = viewer.hidden_category_ids()
    return tuple(c for c in all_categories() if c.id not in hidden)


# Each sort's key column, for pages that follow a cursor instead of a page number (the API).
SORT_KEYS = {
    "trending": Post.trending_score,
    "top": Post.vote_count,
    "new": Post.created_at,
    "active": Post.last_activity_at,
}


def page_after(
    viewer: Guardian, filters: PostFilter, after: tuple | None, limit: int
) -> tuple[list[Card], tuple | None]:
    """A page of the posts `viewer` may see, in `filters.sort` order, starting after the post whose
    (sort key, id) is `after`; and the (sort key, id) to continue after, None on the last page.
    Keyset pagination: posts added meanwhile never shift a page, so a walk meets each post once.
    Duplicates merged into an original are left out: they live on as their original."""
    from forum.visibility import visible_posts

    sort = filters.sort if filters.sort in SORT_KEYS else DEFAULT_SORT
    key = SORT_KEYS[sort]
    query = card_query().add_columns(key).where(Post.public(), visible_posts(viewer), Post.merged_into_id.is_(None))
    if filters.kind:
        query = query.where(Post.kind == filters.kind)
    if filters.status:
        query = query.where(Post.status == filters.status)
    if filters.category:
        query = query.where(Post.category_id == filters.category.id)
    if after is not None:
        value, post_id = after
        query = query.where((key < value) | ((key == value) & (Post.id < post_id)))
    rows = db.session.execute(query.order_by(key.desc(), Post.id.desc()).limit(limit + 1)).all()
    found = [card(row) for row in rows[:limit]]
    last = rows[limit - 1] if len(rows) > limit else None
    return found, None if last is None else (last[-1], last[0])


def newest_in(viewer: Guardian, category: Category | CategoryChoice | None, limit: int) -> list[Post]:
    """A category's newest posts the viewer may see (every category's, for None), for its feed."""
    query = select(Post).where(Post.public(), visibility.visible_posts(viewer))
    if category is not None:
        query = query.where(Post.category_id == category.id)
    return list(
        db.session.scalars(
            query.options(joinedload(Post.author), joinedload(Post.category))
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(limit)
        )
    )


# -- for crawlers --------------------------------------------------------------------------
def _listed() -> ColumnElement[bool]:
    """Posts a search engine may list: what a visitor may see, and not merged into another (whose page
    it is now)."""
    return and_(visibility.visible_posts(anyone()), Post.merged_into_id.is_(None))


def _changed_columns():
    return Post.last_activity_at, Post.updated_at, Post.status_changed_at


def sitemap_chunks(size: int) -> list[datetime]:
    """For each run of `size` listed posts, by id: when the newest change among them happened."""
    number = (func.row_number().over(order_by=Post.id) - 1).label("number")
    ranked = select(number, *_changed_columns()).where(_listed()).subquery()
    chunk = (ranked.c.number // size).label("chunk")
    rows = db.session.execute(
        select(chunk, func.max(ranked.c.last_activity_at), func.max(ranked.c.updated_at),
               func.max(ranked.c.status_changed_at)).group_by(chunk).order_by(chunk)
    ).all()  # fmt: skip
    return [max(moment for moment in row[1:] if moment is not None) for row in rows]


def sitemap_posts(chunk: int, size: int) -> list[tuple[int, str, datetime]]:
    """(id, slug, last change) of the listed posts in run `chunk` (from 0) of `size`, by id."""
    rows = db.session.execute(
        select(Post.id, Post.slug, *_changed_columns()).where(_listed()).order_by(Post.id)
        .offset(chunk * size).limit(size)
    ).all()  # fmt: skip
    return [(row[0], row[1], max(moment for moment in row[2:] if moment is not None)) for row in rows]
