"""Tables and their relationships; no commits, no HTTP, no templates."""

from forum.models.base import UTCDateTime, utcnow
from forum.models.company import Company, CompanyMember
from forum.models.merge import MergeMove, MoveKind, PostMerge
from forum.models.moderation import AuditEntry, Flag, FlagReason, InternalNote
from forum.models.notify import EmailMode, EmailPreference, Event, Follow, Notification, OutboxMessage
from forum.models.post import (
    CLOSED_STATUSES,
    Category,
    Comment,
    CommentRevision,
    Kind,
    OfficialResponse,
    Post,
    PostRevision,
    ResponseRevision,
    Status,
    StatusChange,
    Vote,
)
from forum.models.search import FIELD_INDEXES, ORDER_INDEXES, SearchDocument  # noqa: F401 (indexes: PostgreSQL only)
from forum.models.semantic import NotDuplicate, PostVector
from forum.models.user import SUSPENDED_FOR_GOOD, AnonymousUser, Role, User, counts_as_voter, uncounted_voters

__all__ = [
    "CLOSED_STATUSES",
    "SUSPENDED_FOR_GOOD",
    "AnonymousUser",
    "AuditEntry",
    "Category",
    "Comment",
    "CommentRevision",
    "Company",
    "CompanyMember",
    "EmailMode",
    "EmailPreference",
    "Event",
    "Flag",
    "FlagReason",
    "Follow",
    "InternalNote",
    "Kind",
    "MergeMove",
    "MoveKind",
    "NotDuplicate",
    "Notification",
    "OfficialResponse",
    "OutboxMessage",
    "Post",
    "PostMerge",
    "PostRevision",
    "PostVector",
    "ResponseRevision",
    "Role",
    "Status",
    "StatusChange",
    "UTCDateTime",
    "User",
    "Vote",
    "counts_as_voter",
    "uncounted_voters",
    "utcnow",
]
