"""Keys for the public API (forum/api/): what another system holds to act as one person."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow
from forum.models.user import User


class Scope(StrEnum):
    """What a key may do, on top of what its person may do: a staff member's key with only `read`
    cannot change a status. The person's role still decides (the Guardian), the scope only narrows."""

    READ = "read"
    WRITE = "write"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        return {
            "read": "Read posts and comments",
            "write": "Post, comment and vote",
            "staff": "Staff: statuses, official answers, merges",
            "admin": "Admin",
        }[self.value]


class ApiKey(db.Model):
    """A key is shown once; only its prefix (to tell keys apart) and a digest of the secret are
    kept, as Astuto does, so a copy of the database gives nobody a working key."""

    __tablename__ = "api_keys"
    __table_args__ = (Index("ix_api_keys_user_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(lazy="raise", foreign_keys=[user_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: Scope) -> bool:
        return scope.value in (self.scopes or [])

    def __repr__(self) -> str:
        return f"<ApiKey {self.id} {self.prefix}>"
