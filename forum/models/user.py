from datetime import UTC, datetime
from enum import StrEnum

from flask_login import AnonymousUserMixin, UserMixin
from sqlalchemy import JSON, Index, String, and_, false, or_, select
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class Role(StrEnum):
    MEMBER = "member"
    MODERATOR = "moderator"
    STAFF = "staff"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    @property
    def label(self) -> str:
        return self.value.capitalize()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(String(20), default=Role.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on sign-out and password change: every older session and
    # remember-me cookie stops working (their id no longer matches).
    session_version: Mapped[int] = mapped_column(default=1)
    # A suspended member reads but cannot write, and their votes stop counting.
    suspended_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The claims of the last sign-in token from the company's app (filled by the token hand-off);
    # restricted categories may admit by one of them ("key=value").
    sso_claims: Mapped[dict | None] = mapped_column(JSON)
    # When the member last proved they read mail at `email` (a sign-up link, an email change, a
    # password reset, a provider's verified claim). Only then may another sign-in be linked by address.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Made by staff recording a vote for an address that had no account: no password, the address not
    # yet proven. Its owner claims it by signing up or resetting the password through a mailed link.
    is_placeholder: Mapped[bool] = mapped_column(default=False, server_default=false())

    @property
    def is_suspended(self) -> bool:
        return self.suspended_until is not None and self.suspended_until > utcnow()

    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


# Far enough ahead to mean "for good" while staying a plain, comparable date.
SUSPENDED_FOR_GOOD = datetime(9999, 12, 31, tzinfo=UTC)


def counts_as_voter(now: datetime):
    """SQL: the user's votes count (not deleted, not suspended at `now`)."""
    return and_(User.deleted_at.is_(None), or_(User.suspended_until.is_(None), User.suspended_until <= now))


# The members whose votes may not count at some time: deleted, or suspended now or once (a few).
# `uncounted_voters` reads them along this index, not every member (migration 0015).
MAY_NOT_COUNT = or_(User.deleted_at.is_not(None), User.suspended_until.is_not(None))
Index("ix_users_may_not_count", User.id, postgresql_where=MAY_NOT_COUNT, sqlite_where=MAY_NOT_COUNT)


def uncounted_voters(now: datetime):
    """SQL: the ids of the members whose votes do not count at `now` (those `counts_as_voter` leaves
    out), read along `ix_users_may_not_count`: its condition is stated too, for SQLite uses a partial
    index only when the query states the index's condition."""
    return select(User.id).where(MAY_NOT_COUNT, or_(User.deleted_at.is_not(None), User.suspended_until > now))


class AnonymousUser(AnonymousUserMixin):
    id = None
    is_suspended = False
    display_name = "Visitor"
    role = None
