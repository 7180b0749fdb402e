"""Merging a duplicate into its original, recorded so that undoing it is exact."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class PostMerge(db.Model):
    """One merge of `duplicate_id` into `original_id`; `undone_at` once a moderator undid it."""

    __tablename__ = "post_merges"
    __table_args__ = (
        Index("ix_post_merges_duplicate_id", "duplicate_id"),
        Index("ix_post_merges_original_id", "original_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    duplicate_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    original_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The duplicate's status before the merge, given back when it is undone.
    from_status: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Loaded with the timeline's merges: it names the other post, or says it is no longer available.
    duplicate: Mapped["Post"] = relationship(lazy="selectin", foreign_keys=[duplicate_id])  # noqa: F821
    original: Mapped["Post"] = relationship(lazy="selectin", foreign_keys=[original_id])  # noqa: F821


class MoveKind(StrEnum):
    # The voter had not voted for the original: their vote row moved there (same id, same time).
    VOTE_MOVED = "vote_moved"
    # The voter had voted for both: the duplicate's vote was removed (nobody counts twice).
    VOTE_DROPPED = "vote_dropped"
    # A follower of the duplicate now follows the original (a new follow row).
    FOLLOW_ADDED = "follow_added"


class MergeMove(db.Model):
    """One vote or follow that a merge moved, kept so the merge can be undone exactly."""

    __tablename__ = "merge_moves"
    __table_args__ = (Index("ix_merge_moves_merge_id", "merge_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    merge_id: Mapped[int] = mapped_column(ForeignKey("post_merges.id"))
    kind: Mapped[MoveKind] = mapped_column(String(20))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # VOTE_MOVED: the vote row (now on the original); FOLLOW_ADDED: the follow row created.
    row_id: Mapped[int | None]
    # VOTE_DROPPED: when the removed vote was cast, to put it back as it was.
    voted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
