"""Following posts, in-site notifications, and the email outbox."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.post import Post
from forum.models.user import User


class Follow(db.Model):
    """A member follows a post (automatically as author, voter or commenter, or by choice).
    An explicit unfollow is kept as a row with `active` false, so voting or commenting
    again does not quietly follow the post again."""

    __tablename__ = "follows"
    __table_args__ = (
        UniqueConstraint("user_id", "post_id", name="uq_follows_user_id_post_id"),
        Index("ix_follows_post_id", "post_id", "active"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(StrEnum):
    RESPONSE = "response"
    STATUS = "status"
    SHIPPED = "shipped"
    MERGE = "merge"
    REPLY = "reply"
    MENTION = "mention"
    MODERATION = "moderation"
    ON_BEHALF = "on_behalf"

    @property
    def label(self) -> str:
        return EVENT_LABELS[self]


EVENT_LABELS = {
    Event.RESPONSE: "Official responses",
    Event.STATUS: "Status changes",
    Event.SHIPPED: "Shipped (a post I voted for is done)",
    Event.MERGE: "Merges into another post",
    Event.REPLY: "Replies to my comments",
    Event.MENTION: "Mentions of my name",
    Event.MODERATION: "My posts hidden or restored by a moderator",
    Event.ON_BEHALF: "Votes the team records for me",
}


class EmailMode(StrEnum):
    INSTANT = "instant"
    DIGEST = "digest"
    OFF = "off"


class Notification(db.Model):
    """One thing that happened, for one member: shown under the bell and on /notifications."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_unread", "user_id", "read_at", "id"),
        Index("ix_notifications_post_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    event: Mapped[Event] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # What the message says, fixed when the event happened (the post may change later).
    summary: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed: Mapped[bool] = mapped_column(default=False)

    post: Mapped[Post] = relationship(lazy="raise")
    actor: Mapped[User | None] = relationship(lazy="raise", foreign_keys=[actor_id])


class OutboxMessage(db.Model):
    """An email to deliver, written in the same transaction as its event and sent after commit.
    `sent_at` makes delivery idempotent: a retry of a sent message does nothing."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        Index("ix_outbox_messages_pending", "sent_at", "dead_at", "id"),
        UniqueConstraint("notification_id", name="uq_outbox_messages_notification_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    kind: Mapped[str] = mapped_column(String(20))  # "instant" or "digest"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    dead_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class EmailPreference(db.Model):
    """How a member wants email for one kind of event; no row means the default (instant)."""

    __tablename__ = "email_preferences"
    __table_args__ = (UniqueConstraint("user_id", "event", name="uq_email_preferences_user_id_event"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    event: Mapped[Event] = mapped_column(String(20))
    mode: Mapped[EmailMode] = mapped_column(String(20), default=EmailMode.INSTANT)
