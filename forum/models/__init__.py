"""Tables and their relationships; no commits, no HTTP, no templates."""

from forum.models.base import UTCDateTime, utcnow
from forum.models.company import Company, CompanyMember
from forum.models.merge import MergeMove, MoveKind, PostMerge
from forum.models.moderation import AuditEntry, Flag, FlagReason, InternalNote
from forum.models.notify import EmailMode, EmailPreference, Event, Follow, Notification, OutboxMessage
from forum.models.post import (
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
from forum.models.release import ReleaseNote, ReleaseNotePost
from forum.models.search import FIELD_INDEXES, ORDER_INDEXES, SearchDocument  # noqa: F401 (indexes: PostgreSQL only)
from forum.models.taxonomy import (
    PALETTE,
    PostStatus,
    PostTag,
    StatusInfo,
    StatusKind,
    Tag,
    TagInfo,
    statuses,
    tags,
)
from forum.models.user import SUSPENDED_FOR_GOOD, AnonymousUser, Role, User, counts_as_voter, uncounted_voters

__all__ = [
    "PALETTE",
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
    "Notification",
    "OfficialResponse",
    "OutboxMessage",
    "Post",
    "PostMerge",
    "PostRevision",
    "PostStatus",
    "PostTag",
    "ReleaseNote",
    "ReleaseNotePost",
    "ResponseRevision",
    "Role",
    "Status",
    "StatusChange",
    "StatusInfo",
    "StatusKind",
    "Tag",
    "TagInfo",
    "UTCDateTime",
    "User",
    "Vote",
    "counts_as_voter",
    "statuses",
    "tags",
    "uncounted_voters",
    "utcnow",
]
