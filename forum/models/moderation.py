from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class AuditEntry(db.Model):
    """One moderator or staff action: who, what, on what, when, before and after. Never edited."""

    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_entries_created_at", "created_at"),
        Index("ix_audit_entries_actor_id", "actor_id", "created_at"),
        Index("ix_audit_entries_target", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the system acted on its own (the hide after enough reports); `after` says why.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The actor's role when they acted (None on entries older than migration 0028).
    actor_role: Mapped[str | None] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(40))
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int]
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The API key the actor acted through (forum/api/auth.py), None for the site's own pages.
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_keys.id"))

    actor: Mapped[User | None] = relationship(lazy="raise")
    api_key: Mapped["ApiKey | None"] = relationship(lazy="selectin")  # noqa: F821 (models/api_key.py)


class InternalNote(db.Model):
    """A staff-only note on a post: never shown to members or visitors."""

    __tablename__ = "internal_notes"
    __table_args__ = (Index("ix_internal_notes_post_id", "post_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class FlagReason(StrEnum):
    SPAM = "spam"
    ABUSE = "abuse"
    OFF_TOPIC = "off_topic"
    OTHER = "other"
    # Not a member's report: a new member's post waiting for approval (HOLD_FIRST_POSTS).
    HELD = "held"

    @property
    def label(self) -> str:
        if self is FlagReason.HELD:
            return "New member, held for review"
        return self.value.replace("_", "-").capitalize()


class Flag(db.Model):
    """A member's report of a post or comment; one per member per target."""

    __tablename__ = "flags"
    __table_args__ = (
        UniqueConstraint("user_id", "target_type", "target_id", name="uq_flags_user_id_target"),
        Index("ix_flags_open", "resolved_at", "target_type", "target_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    target_type: Mapped[str] = mapped_column(String(20))  # "post" or "comment"
    target_id: Mapped[int]
    reason: Mapped[FlagReason] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(20))
