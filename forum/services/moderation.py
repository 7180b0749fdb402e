"""Moderator actions on posts and comments. Each is logged and has its undo."""

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from forum import markup
from forum.extensions import db
from forum.models import Category, Comment, Flag, FlagReason, InternalNote, Post, User, utcnow
from forum.permissions import Guardian
from forum.services import Refused, accounts, audit, notify, posts
from forum.visibility import visible_posts

# What each post action changes: (field, value). Undo is the same action's pair.
POST_TOGGLES = {
    "hide": ("is_hidden", True),
    "unhide": ("is_hidden", False),
    "lock": ("is_locked", True),
    "unlock": ("is_locked", False),
    "pin": ("is_pinned", True),
    "unpin": ("is_pinned", False),
}


def toggle_post(actor: User, post: Post, action: str, reason: str = "", cause: dict | None = None) -> bool:
    """Hide, unhide, lock, unlock, pin or unpin a post. False when it already was. `cause`: what
    the audit entry adds (a decision on reports: how many)."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_moderate())
    field, value = POST_TOGGLES[action]
    if getattr(post, field) == value:
        return False
    audit.record(actor, action, "post", post.id, {field: getattr(post, field)}, {field: value, **(cause or {})})
    # Asked before unhiding: is_held() is true of hidden posts only.
    held = action == "unhide" and posts.is_held(post)
    setattr(post, field, value)
    db.session.flush()
    if action in ("hide", "unhide"):
        notify.moderated(actor, post, "approve" if held else action, reason)
    return True


def move_post(actor: User, post: Post, category: Category) -> bool:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_moderate())
    if post.category_id == category.id:
        return False
    audit.record(actor, "move", "post", post.id, {"category_id": post.category_id}, {"category_id": category.id})
    post.category_id = category.id
    db.session.flush()
    return True


def restore_post(actor: User, post: Post) -> bool:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_moderate())
    if post.deleted_at is None:
        return False
    audit.record(actor, "restore", "post", post.id, {"deleted_at": post.deleted_at}, {"deleted_at": None})
    post.deleted_at = None
    db.session.flush()
    notify.moderated(actor, post, "restore")
    return True


# -- comments -------------------------------------------------------------------------
def _visible(comment: Comment) -> bool:
    return comment.deleted_at is None and not comment.is_hidden


def _set_comment(actor: User, comment: Comment, action: str, cause: dict | None = None, **changes) -> bool:
    if all(getattr(comment, k) == v for k, v in changes.items()):
        return False
    was_visible = _visible(comment)
    audit.record(actor, action, "comment", comment.id, {k: getattr(comment, k) for k in changes},
                 {**changes, **(cause or {})})  # fmt: skip
    for key, value in changes.items():
        setattr(comment, key, value)
    # The comment count shows what members can read.
    delta = int(_visible(comment)) - int(was_visible)
    if delta:
        db.session.execute(
            update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count + delta),
            execution_options={"synchronize_session": False},
        )
    db.session.flush()
    return True


def hide_comment(actor: User, comment: Comment, cause: dict | None = None) -> bool:
    Guardian(actor).ensure(Guardian(actor).can_moderate())
    return _set_comment(actor, comment, "hide", cause, is_hidden=True)


def unhide_comment(actor: User, comment: Comment, cause: dict | None = None) -> bool:
    Guardian(actor).ensure(Guardian(actor).can_moderate())
    return _set_comment(actor, comment, "unhide", cause, is_hidden=False)


def delete_comment(actor: User, comment: Comment) -> bool:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_delete_comment(comment))
    if comment.author_id == actor.id and not guardian.is_moderator:
        # Members deleting their own words are not moderation: no audit entry, same soft delete.
        was_visible = _visible(comment)
        comment.deleted_at = utcnow()
        if was_visible:
            db.session.execute(
                update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count - 1),
                execution_options={"synchronize_session": False},
            )
        db.session.flush()
        return True
    return _set_comment(actor, comment, "delete", deleted_at=utcnow())


def restore_comment(actor: User, comment: Comment) -> bool:
    Guardian(actor).ensure(Guardian(actor).can_moderate())
    return _set_comment(actor, comment, "restore", deleted_at=None)


# -- internal notes -------------------------------------------------------------------
NOTE_MAX = 5000


def add_note(actor: User, post: Post, body: str) -> InternalNote:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_see_notes())
    body = markup.clean_text(body).strip()
    note = InternalNote(post_id=post.id, author_id=actor.id, body=body, body_html=markup.render(body))
    db.session.add(note)
    db.session.flush()
    audit.record(actor, "note", "post", post.id, None, {"note_id": note.id})
    return note


def notes(post: Post) -> list[InternalNote]:
    return list(
        db.session.scalars(
            select(InternalNote)
            .where(InternalNote.post_id == post.id)
            .options(db.joinedload(InternalNote.author))
            .order_by(InternalNote.created_at, InternalNote.id)
        )
    )


# -- flags ----------------------------------------------------------------------------
def flag(actor: User, target: Post | Comment, reason: FlagReason, threshold: int) -> bool:
    """Report a post or comment once. True when this report hid it (enough distinct members)."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_flag(target))
    target_type = "post" if isinstance(target, Post) else "comment"
    already = db.session.scalar(
        select(Flag.id).where(Flag.user_id == actor.id, Flag.target_type == target_type, Flag.target_id == target.id)
    )
    if already is not None:
        raise Refused("You have already reported this. A moderator will look at it.")
    db.session.add(Flag(user_id=actor.id, target_type=target_type, target_id=target.id, reason=FlagReason(reason)))
    db.session.flush()
    open_flags = db.session.scalar(
        select(func.count(func.distinct(Flag.user_id))).where(
            Flag.target_type == target_type, Flag.target_id == target.id, Flag.resolved_at.is_(None)
        )
    )
    if open_flags >= threshold and not target.is_hidden:
        # Hidden until a moderator decides. The system hides it, not the member whose report
        # crossed the line: the entry has no actor, and says why.
        cause = {"is_hidden": True, "reports": open_flags, "reasons": _open_reasons(target_type, target.id)}
        audit.record(None, "hide_by_flags", target_type, target.id, {"is_hidden": False}, cause)
        if isinstance(target, Comment):
            _set_comment_hidden_silently(target)
        else:
            target.is_hidden = True
            notify.moderated(actor, target, "flagged")
        db.session.flush()
        return True
    return False


def _open_reasons(target_type: str, target_id: int) -> dict[str, int]:
    """How many open reports give each reason, most given first."""
    rows = db.session.execute(
        select(Flag.reason, func.count())
        .where(Flag.target_type == target_type, Flag.target_id == target_id, Flag.resolved_at.is_(None))
        .group_by(Flag.reason)
    ).all()
    return {str(reason): count for reason, count in sorted(rows, key=lambda row: (-row[1], str(row[0])))}


def _set_comment_hidden_silently(comment: Comment) -> None:
    if _visible(comment):
        db.session.execute(
            update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count - 1),
            execution_options={"synchronize_session": False},
        )
    comment.is_hidden = True


SUSPENSION_FOR_FLAGGED = timedelta(days=30)
DECISIONS = ("keep", "hide", "delete_and_suspend")


@dataclass
class FlaggedItem:
    target_type: str
    target: Post | Comment
    reports: int
    reasons: Counter
    first_reported_at: datetime


def flag_queue(viewer: Guardian) -> list[FlaggedItem]:
    """Open reports on what the moderator may see, grouped by what they report, most reported first."""
    rows = db.session.execute(
        select(Flag.target_type, Flag.target_id, Flag.reason, Flag.created_at).where(Flag.resolved_at.is_(None))
    ).all()
    grouped: dict[tuple[str, int], list] = {}
    for target_type, target_id, reason, created_at in rows:
        grouped.setdefault((target_type, target_id), []).append((reason, created_at))
    post_ids = [i for t, i in grouped if t == "post"]
    comment_ids = [i for t, i in grouped if t == "comment"]
    seen = visible_posts(viewer)
    posts = {p.id: p for p in db.session.scalars(
        select(Post).where(Post.id.in_(post_ids), seen).options(db.joinedload(Post.author)))}  # fmt: skip
    comments = {c.id: c for c in db.session.scalars(
        select(Comment).join(Post, Post.id == Comment.post_id).where(Comment.id.in_(comment_ids), seen)
        .options(db.joinedload(Comment.author)))}  # fmt: skip
    items = []
    for (target_type, target_id), reports in grouped.items():
        target = (posts if target_type == "post" else comments).get(target_id)
        if target is None:
            continue
        items.append(FlaggedItem(target_type, target, len(reports), Counter(FlagReason(r) for r, _ in reports),
                                 min(t for _, t in reports)))  # fmt: skip
    return sorted(items, key=lambda i: (-i.reports, i.first_reported_at))


def decide(actor: User, target: Post | Comment, decision: str) -> None:
    """A moderator's answer to the reports on a post or comment. Every decision leaves one audit
    entry that says how many reports it answered (a "keep" that changes nothing too)."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_moderate())
    if decision not in DECISIONS:
        raise Refused("Choose keep, hide, or delete and suspend.")
    is_post = isinstance(target, Post)
    target_type = "post" if is_post else "comment"
    reasons = _open_reasons(target_type, target.id)
    cause = {"decision": decision, "reports": sum(reasons.values()), "reasons": reasons}
    if decision == "keep":
        changed = target.is_hidden and (
            toggle_post(actor, target, "unhide", cause=cause) if is_post else unhide_comment(actor, target, cause)
        )
        if not changed:
            audit.record(actor, "keep", target_type, target.id, None, cause)
    elif decision == "hide":
        changed = toggle_post(actor, target, "hide", cause=cause) if is_post else hide_comment(actor, target, cause)
        if not changed:  # hidden already (by the reports themselves): the decision confirms it
            audit.record(actor, "confirm_hide", target_type, target.id, None, cause)
    else:
        author = db.session.get(User, target.author_id)
        guardian.ensure(guardian.can_suspend(author))
        if is_post:
            if target.deleted_at is None:
                audit.record(actor, "delete", "post", target.id, {"deleted_at": None},
                             {"deleted_at": utcnow(), **cause})  # fmt: skip
                target.deleted_at = utcnow()
        else:
            _set_comment(actor, target, "delete", cause, deleted_at=utcnow())
        if not author.is_suspended:
            accounts.suspend(actor, author, until=utcnow() + SUSPENSION_FOR_FLAGGED,
                             reason="Content reported by members and removed by a moderator.")  # fmt: skip
    db.session.execute(
        update(Flag)
        .where(Flag.target_type == target_type, Flag.target_id == target.id, Flag.resolved_at.is_(None))
        .values(resolved_at=utcnow(), resolution=decision),
        execution_options={"synchronize_session": False},
    )
    db.session.flush()
