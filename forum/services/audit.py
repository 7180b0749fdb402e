"""The audit log: every moderator and staff action, written in the same
transaction as the action itself, never edited afterwards."""

from typing import Any

from forum.extensions import db
from forum.models import AuditEntry, User, utcnow


def record(
    actor: User,
    action: str,
    target_type: str,
    target_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=_plain(before),
        after=_plain(after),
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-ready copies: times as ISO text, enums as their values."""
    if values is None:
        return None
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}
