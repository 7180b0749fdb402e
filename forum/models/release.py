"""Release notes: what the company shipped, in its own words, naming the posts it answers."""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class ReleaseNote(db.Model):
    __tablename__ = "release_notes"
    __table_args__ = (Index("ix_release_notes_released_at", "released_at", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The day it shipped (staff may date a note in the past); orders the changelog.
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship(lazy="raise")


class ReleaseNotePost(db.Model):
    """A post a release note ships."""

    __tablename__ = "release_note_posts"
    __table_args__ = (Index("ix_release_note_posts_post_id", "post_id"),)

    note_id: Mapped[int] = mapped_column(ForeignKey("release_notes.id"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
