"""What staff sort posts by: the statuses an admin names (each of one fixed kind), and tags.

A post keeps its status as a slug (`posts.status`). Every rule that once looked at a fixed set of
statuses (the roadmap's columns, closed posts in Trending and Top, the staff queue, votes on closed
posts, the shipped notice) asks the status's *kind* here, so a status an admin adds behaves as the
ones of its kind do with no change to the code. `duplicate` is not in the table: a post becomes one
only by merging, and the registry adds it with its own kind.

Statuses and tags are small tables that nearly every page reads; `StatusRegistry` and `TagRegistry`
are their rows as plain values, kept by each process until they change (forum/caching.py,
`caching.shared`), so that reading them costs a page no query.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from forum import caching
from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow

# Colours a status or tag may take, each a pair of background and text that passes WCAG AA; the
# stylesheet names them `.color-<name>` (the Content-Security-Policy allows no inline style).
PALETTE = ("gray", "amber", "indigo", "blue", "green", "red", "teal", "purple", "pink", "brown")


class StatusKind(StrEnum):
    OPEN = "open"
    REVIEW = "review"
    ACTIVE = "active"
    DONE = "done"
    DECLINED = "declined"
    DUPLICATE = "duplicate"  # only the built-in `duplicate` status; admins never choose it

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS = {
    StatusKind.OPEN: "Open (waiting for the team)",
    StatusKind.REVIEW: "Under review (the team is looking)",
    StatusKind.ACTIVE: "Active (planned or being built)",
    StatusKind.DONE: "Done (shipped)",
    StatusKind.DECLINED: "Declined",
    StatusKind.DUPLICATE: "Duplicate",
}
CHOOSABLE_KINDS = tuple(kind for kind in StatusKind if kind != StatusKind.DUPLICATE)
# Kinds of a closed post: it takes no votes and leaves Trending and Top.
CLOSED_KINDS = frozenset({StatusKind.DONE, StatusKind.DECLINED, StatusKind.DUPLICATE})
# Kinds of a post still waiting for the company: the staff queue's.
WAITING_KINDS = frozenset({StatusKind.OPEN, StatusKind.REVIEW})
DUPLICATE_SLUG = "duplicate"


class PostStatus(db.Model):
    """A status an admin named; the six of before are its first rows (migration 0027)."""

    __tablename__ = "statuses"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
    label: Mapped[str] = mapped_column(String(40))
    kind: Mapped[StatusKind] = mapped_column(String(20))
    color: Mapped[str] = mapped_column(String(20))
    position: Mapped[int] = mapped_column(default=0)
    show_on_roadmap: Mapped[bool] = mapped_column(default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class StatusInfo:
    slug: str
    label: str
    kind: StatusKind
    color: str
    position: int
    show_on_roadmap: bool
    archived: bool

    @property
    def is_closed(self) -> bool:
        return self.kind in CLOSED_KINDS

    def __str__(self) -> str:
        return self.slug


DUPLICATE = StatusInfo(DUPLICATE_SLUG, "Duplicate", StatusKind.DUPLICATE, "gray", 1000, False, False)


class StatusRegistry:
    """Every status by slug, in the admins' order, with `duplicate` last."""

    def __init__(self, rows: list[StatusInfo]):
        self.all = (*sorted(rows, key=lambda s: (s.position, s.slug)), DUPLICATE)
        self.by_slug = {status.slug: status for status in self.all}

    def get(self, slug: str) -> StatusInfo:
        """The status of this slug; one nobody knows (a row removed by hand) reads as open."""
        found = self.by_slug.get(str(slug))
        if found is None:
            return StatusInfo(str(slug), str(slug).replace("_", " ").capitalize(), StatusKind.OPEN, "gray", 999,
                              False, True)  # fmt: skip
        return found

    def __contains__(self, slug: str) -> bool:
        return str(slug) in self.by_slug

    @property
    def current(self) -> tuple[StatusInfo, ...]:
        """The statuses staff may give a post (not archived, not `duplicate`)."""
        return tuple(s for s in self.all if not s.archived and s.kind != StatusKind.DUPLICATE)

    @property
    def default_slug(self) -> str:
        """The status new posts start in: the first current one of the open kind (admins may not
        archive the last)."""
        return next((s.slug for s in self.current if s.kind == StatusKind.OPEN), "open")

    def of_kinds(self, kinds) -> list[str]:
        """The slugs of every status (archived too: posts may still hold them) of these kinds."""
        return sorted(s.slug for s in self.all if s.kind in kinds)

    def closed(self) -> list[str]:
        return self.of_kinds(CLOSED_KINDS)

    def waiting(self) -> list[str]:
        return self.of_kinds(WAITING_KINDS)

    def is_closed(self, slug: str) -> bool:
        return self.get(slug).is_closed


_STATUS_ROWS = select(
    PostStatus.slug, PostStatus.label, PostStatus.kind, PostStatus.color, PostStatus.position,
    PostStatus.show_on_roadmap, PostStatus.archived_at.is_not(None),
)  # fmt: skip


def _load_statuses() -> StatusRegistry:
    rows = db.session.connection().execute(_STATUS_ROWS).all()
    return StatusRegistry([StatusInfo(r[0], r[1], StatusKind(r[2]), r[3], r[4], bool(r[5]), bool(r[6])) for r in rows])


def statuses() -> StatusRegistry:
    """The statuses, as this process last read them (re-read once an admin changed them)."""
    return caching.shared("statuses", _load_statuses)


class Tag(db.Model):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    color: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostTag(db.Model):
    __tablename__ = "post_tags"
    __table_args__ = (Index("ix_post_tags_tag_id", "tag_id"),)

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)


@dataclass(frozen=True, slots=True)
class TagInfo:
    id: int
    name: str
    slug: str
    color: str


class TagRegistry:
    def __init__(self, rows: list[TagInfo]):
        self.all = tuple(sorted(rows, key=lambda t: t.name.lower()))
        self.by_id = {tag.id: tag for tag in self.all}
        self.by_slug = {tag.slug: tag for tag in self.all}

    def of(self, ids: str | None) -> list[TagInfo]:
        """The tags whose ids a list query gathered ("3,7"), by name."""
        if not ids:
            return []
        found = [self.by_id.get(int(tag_id)) for tag_id in str(ids).split(",") if tag_id.strip().isdigit()]
        return sorted((tag for tag in found if tag is not None), key=lambda t: t.name.lower())


_TAG_ROWS = select(Tag.id, Tag.name, Tag.slug, Tag.color)


def _load_tags() -> TagRegistry:
    return TagRegistry([TagInfo(*row) for row in db.session.connection().execute(_TAG_ROWS).all()])


def tags() -> TagRegistry:
    return caching.shared("tags", _load_tags)
