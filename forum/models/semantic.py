"""Sentence vectors of posts (issue 31), kept in the database so that every app server shares them."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class PostVector(db.Model):
    """A post's vector under one model: float16 little-endian bytes, unit length.

    `id` grows with every write (a changed post's row is replaced), so a process that holds the
    vectors in memory asks for the rows above the last id it read and nothing else.
    `text_sha256` is the digest of the text that was embedded: a reindex skips posts whose text
    has not changed since."""

    __tablename__ = "post_vectors"
    __table_args__ = (
        UniqueConstraint("post_id", "model"),
        Index("ix_post_vectors_model_id", "model", "id"),
        {"sqlite_autoincrement": True},  # ids never reused, even the highest after a delete
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    model: Mapped[str] = mapped_column(String(80))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    text_sha256: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NotDuplicate(db.Model):
    """Staff said these two posts are not duplicates: the likely-duplicates list stops offering them.
    Kept with the smaller post id first, so a pair has one row whichever way round it was seen."""

    __tablename__ = "not_duplicates"
    __table_args__ = (
        UniqueConstraint("first_id", "second_id"),
        CheckConstraint("first_id < second_id", name="ordered"),
        Index("ix_not_duplicates_second_id", "second_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    first_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    second_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
