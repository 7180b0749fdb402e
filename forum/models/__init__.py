"""Tables and their relationships; no commits, no HTTP, no templates."""

from forum.models.api_key import ApiKey, Scope
from forum.models.base import UTCDateTime, utcnow
from forum.models.company import Company, CompanyMember
from forum.models.identity import SSO_PROVIDER, CompanyImport, Identity, SignInProvider, UsedSignInToken
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
    Priority,
    ResponseRevision,
    Status,
    StatusChange,
    Visibility,
    Vote,
    VoteSource,
)
from forum.models.search import FIELD_INDEXES, ORDER_INDEXES, SearchDocument  # noqa: F401 (indexes: PostgreSQL only)
from forum.models.semantic import NotDuplicate, PostVector
from forum.models.user import SUSPENDED_FOR_GOOD, AnonymousUser, Role, User, counts_as_voter, uncounted_voters

__all__ = [
    "CLOSED_STATUSES",
    "SSO_PROVIDER",
    "SUSPENDED_FOR_GOOD",
    "AnonymousUser",
    "ApiKey",
    "AuditEntry",
    "Category",
    "Comment",
    "CommentRevision",
    "Company",
    "CompanyImport",
    "CompanyMember",
    "EmailMode",
    "EmailPreference",
    "Event",
    "Flag",
    "FlagReason",
    "Follow",
    "Identity",
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
    "Priority",
    "ResponseRevision",
    "Role",
    "Scope",
    "SignInProvider",
    "Status",
    "StatusChange",
    "UTCDateTime",
    "UsedSignInToken",
    "User",
    "Visibility",
    "Vote",
    "VoteSource",
    "counts_as_voter",
    "uncounted_voters",
    "utcnow",
]
