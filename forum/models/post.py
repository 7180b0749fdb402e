from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ColumnElement, ForeignKey, Index, String, Text, UniqueConstraint, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class Kind(StrEnum):
    IDEA = "idea"
    COMPLAINT = "complaint"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Status(StrEnum):
    OPEN = "open"
    UNDER_REVIEW = "under_review"
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DECLINED = "declined"
    DUPLICATE = "duplicate"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATUSES

    def can_move_to(self, other: "Status") -> bool:
        return other in TRANSITIONS[self]


CLOSED_STATUSES = frozenset({Status.DONE, Status.DECLINED, Status.DUPLICATE})

# Staff may move a post forward, back, or reopen it; `duplicate` is reached
# only by merging (and left only by undoing the merge).
_STAFF_SETTABLE = (
    Status.OPEN,
    Status.UNDER_REVIEW,
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.DONE,
    Status.DECLINED,
)
TRANSITIONS: dict[Status, frozenset[Status]] = {
    status: frozenset(s for s in _STAFF_SETTABLE if s != status) for status in _STAFF_SETTABLE
}
TRANSITIONS[Status.DUPLICATE] = frozenset()


class Visibility(StrEnum):
    """Who may see a category's posts (forum/visibility.py holds the rule)."""

    PUBLIC = "public"
    MEMBERS = "members"  # anyone signed in
    RESTRICTED = "restricted"  # members whose email domain, company, plan or token claim the category allows
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {
            "public": "Public",
            "members": "Signed-in members",
            "restricted": "Restricted",
            "staff": "Staff only",
        }[self.value]


class Category(db.Model):
    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(300), default="")
    position: Mapped[int] = mapped_column(default=0)
    visibility: Mapped[Visibility] = mapped_column(String(20), default=Visibility.PUBLIC, server_default="public")
    # Whom a restricted category admits: any one match is enough. Lower-case email domains
    # ("example.com"), companies by their external id, plans, and token claims as "key=value".
    allowed_domains: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    allowed_companies: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    allowed_plans: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    allowed_claims: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")

    @property
    def visibility_enum(self) -> Visibility:
        return Visibility(self.visibility)


class Post(db.Model):
    __tablename__ = "posts"
    __table_args__ = (
        # One index per sort, alone and behind each filter, so every list reads its page in index
        # order (migration 0007). Not led by deleted_at: PostgreSQL cannot use
        # `deleted_at IS NULL` to keep the order of the columns after it; the few deleted or hidden
        # rows are skipped as the scan meets them. Kind (two values) filters along the sort index.
        Index("ix_posts_trending", "trending_score", "id"),
        Index("ix_posts_top", "vote_count", "id"),
        Index("ix_posts_new", "created_at", "id"),
        Index("ix_posts_active", "last_activity_at", "id"),
        Index("ix_posts_category_trending", "category_id", "trending_score", "id"),
        Index("ix_posts_category_top", "category_id", "vote_count", "id"),
        Index("ix_posts_category_new", "category_id", "created_at", "id"),
        Index("ix_posts_category_active", "category_id", "last_activity_at", "id"),
        Index("ix_posts_status_trending", "status", "trending_score", "id"),
        Index("ix_posts_status_new", "status", "created_at", "id"),
        Index("ix_posts_status_active", "status", "last_activity_at", "id"),
        Index("ix_posts_author_id", "author_id"),
        Index("ix_posts_status_votes", "status", "vote_count", "id"),
        Index("ix_posts_status_changed", "status", "status_changed_at"),
        Index("ix_posts_merged_into_id", "merged_into_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[Kind] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[Status] = mapped_column(String(20), default=Status.OPEN)
    vote_count: Mapped[int] = mapped_column(default=0)
    comment_count: Mapped[int] = mapped_column(default=0)
    trending_score: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Who last edited the post when it was not its author (a moderator), shown beside "edited".
    edited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When the status last changed: orders the roadmap's Done column and the changelog.
    status_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_hidden: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    is_pinned: Mapped[bool] = mapped_column(default=False)
    # Set when this post was merged into its original as a duplicate (services/merges.py).
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id"))

    category: Mapped[Category] = relationship(lazy="raise")
    author: Mapped[User] = relationship(lazy="raise", foreign_keys=[author_id])
    edited_by: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[edited_by_id])
    # Read only on a merged post's own page.
    merged_into: Mapped["Post | None"] = relationship(
        lazy="select", remote_side="Post.id", foreign_keys=[merged_into_id]
    )

    @property
    def status_enum(self) -> Status:
        return Status(self.status)

    @property
    def kind_enum(self) -> Kind:
        return Kind(self.kind)

    @property
    def is_closed(self) -> bool:
        return self.status_enum.is_closed

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @classmethod
    def public(cls) -> ColumnElement[bool]:
        """SQL: the post is neither deleted nor hidden (what visitors and members may see)."""
        return and_(cls.deleted_at.is_(None), cls.is_hidden.is_(False))

    def __repr__(self) -> str:
        return f"<Post {self.id} {self.title!r}>"


class VoteSource(StrEnum):
    """Where a vote came from: the person's own click, staff recording a request heard elsewhere, or an import."""

    SELF = "self"
    ON_BEHALF = "on_behalf"
    IMPORT = "import"


class Priority(StrEnum):
    """How much a request heard elsewhere matters to the person; a blocker weighs most."""

    NICE = "nice"
    IMPORTANT = "important"
    BLOCKER = "blocker"

    @property
    def label(self) -> str:
        return PRIORITY_LABELS[self]

    @property
    def weight(self) -> int:
        return PRIORITY_WEIGHTS[self]


PRIORITY_LABELS = {Priority.NICE: "Nice to have", Priority.IMPORTANT: "Important", Priority.BLOCKER: "Blocker"}
# A vote without a priority (the person's own click) weighs as much as "nice to have".
PRIORITY_WEIGHTS = {Priority.NICE: 1, Priority.IMPORTANT: 3, Priority.BLOCKER: 9}


class Vote(db.Model):
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("user_id", "post_id", name="uq_votes_user_id_post_id"),
        Index("ix_votes_post_id_created_at", "post_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Staff only: how the vote was cast, by whom when it was recorded for the person, and why.
    source: Mapped[VoteSource] = mapped_column(String(20), default=VoteSource.SELF, server_default=VoteSource.SELF)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str | None] = mapped_column(Text)
    priority: Mapped[Priority | None] = mapped_column(String(20))


class Comment(db.Model):
    __tablename__ = "comments"
    __table_args__ = (
        # (post, time, id): a page of comments is read in order and stops at its end.
        Index("ix_comments_post_id_created_at", "post_id", "created_at", "id"),
        Index("ix_comments_parent_id", "parent_id"),  # a page of comments loads their replies
        Index("ix_comments_author_id", "author_id"),  # a renamed member's threads (migration 0014)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    is_hidden: Mapped[bool] = mapped_column(default=False)

    author: Mapped[User] = relationship(lazy="raise")

    @classmethod
    def public(cls) -> ColumnElement[bool]:
        """SQL: the comment is neither deleted nor hidden."""
        return and_(cls.deleted_at.is_(None), cls.is_hidden.is_(False))


class OfficialResponse(db.Model):
    """The company's public answer to a post; the newest one shows on top."""

    __tablename__ = "official_responses"
    __table_args__ = (Index("ix_official_responses_post_id_created_at", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last edit; earlier texts are revisions

    author: Mapped[User] = relationship(lazy="raise")


class ResponseRevision(db.Model):
    """An official response's text as it was before an edit."""

    __tablename__ = "response_revisions"
    __table_args__ = (Index("ix_response_revisions_response_id", "response_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("official_responses.id"))
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User] = relationship(lazy="raise")

    is_response_edit = True  # the post's timeline shows it beside its status changes


class StatusChange(db.Model):
    """One entry of a post's timeline: who moved it, when, from what to what."""

    __tablename__ = "status_changes"
    __table_args__ = (Index("ix_status_changes_post_id_created_at", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    from_status: Mapped[Status] = mapped_column(String(20))
    to_status: Mapped[Status] = mapped_column(String(20))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("official_responses.id"))
    # A merge (or its undoing) this entry records, on the duplicate's and on the original's timeline.
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("post_merges.id"))
    # A public note staff may add to a move (plain text, one paragraph).
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship(lazy="raise")
    merge: Mapped["PostMerge | None"] = relationship(lazy="selectin")  # noqa: F821 (models/merge.py)


class CommentRevision(db.Model):
    """A comment's text as it was before an edit."""

    __tablename__ = "comment_revisions"
    __table_args__ = (Index("ix_comment_revisions_comment_id", "comment_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"))
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class PostRevision(db.Model):
    """The text of a post as it was before an edit; nothing typed is ever lost."""

    __tablename__ = "post_revisions"
    __table_args__ = (Index("ix_post_revisions_post_id", "post_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    editor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    editor: Mapped[User] = relationship(lazy="raise")
