"""The statuses admins name: add, rename, recolour, reorder, archive and restore.

Each status has one kind (forum/models/taxonomy.py) that the rules ask; a new status of an existing
kind works everywhere at once. Archiving a status that posts hold moves them to another status,
each with an entry in its timeline, so no post is left in a status nobody can choose.
"""

import re
import unicodedata

from sqlalchemy import func, insert, literal, select, update

from forum import caching, markup, search
from forum.extensions import db
from forum.models import PALETTE, Post, PostStatus, StatusChange, StatusKind, User, statuses, utcnow
from forum.models.taxonomy import CHOOSABLE_KINDS
from forum.permissions import Guardian
from forum.services import Refused, audit

LABEL_MAX = 40
SLUG_MAX = 20  # posts.status


def _slug_for(label: str) -> str:
    ascii_label = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "_", ascii_label.lower()).strip("_")[:SLUG_MAX].rstrip("_")
    return slug or "status"


def _unique_slug(label: str) -> str:
    base = _slug_for(label)
    taken = set(db.session.scalars(select(PostStatus.slug)))
    taken.add("duplicate")
    slug, number = base, 2
    while slug in taken:
        suffix = f"_{number}"
        slug, number = base[: SLUG_MAX - len(suffix)] + suffix, number + 1
    return slug


def _checked(label: str, kind: str, color: str, *, keep: PostStatus | None = None) -> tuple[str, StatusKind, str]:
    """The label, kind and colour if they make sense, else Refused with what to fix."""
    label = markup.one_line(label)
    if not label:
        raise Refused("Give the status a label, such as “Beta”.")
    if len(label) > LABEL_MAX:
        raise Refused(f"Keep the label to {LABEL_MAX} characters or fewer.")
    if kind not in CHOOSABLE_KINDS:
        raise Refused("Choose what kind of status it is: open, review, active, done or declined.")
    if color not in PALETTE:
        raise Refused("Choose one of the listed colours.")
    twin = db.session.scalars(
        select(PostStatus).where(func.lower(PostStatus.label) == label.lower(), PostStatus.archived_at.is_(None))
    ).first()
    if twin is not None and twin is not keep:
        raise Refused(f"There is a status called “{twin.label}” already; choose another label.")
    return label, StatusKind(kind), color


def _changing(actor: User) -> None:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_manage_statuses())
    caching.will_change(db.session, "statuses")


def create_status(actor: User, *, label: str, kind: str, color: str, show_on_roadmap: bool) -> PostStatus:
    _changing(actor)
    label, kind, color = _checked(label, kind, color)
    last = db.session.scalar(select(func.max(PostStatus.position))) or 0
    status = PostStatus(slug=_unique_slug(label), label=label, kind=kind, color=color, position=last + 1,
                        show_on_roadmap=show_on_roadmap)  # fmt: skip
    db.session.add(status)
    db.session.flush()
    audit.record(actor, "status_create", "status", status.id, None,
                 {"slug": status.slug, "label": label, "kind": kind, "color": color})  # fmt: skip
    return status


def edit_status(actor: User, status: PostStatus, *, label: str, kind: str, color: str, show_on_roadmap: bool) -> bool:
    """Rename, recolour, change the kind or the roadmap's showing; False when nothing changed. The slug
    stays, so links and filters keep working; timeline entries keep the label they were written with."""
    _changing(actor)
    label, kind, color = _checked(label, kind, color, keep=status)
    before = {
        "label": status.label,
        "kind": status.kind,
        "color": status.color,
        "show_on_roadmap": status.show_on_roadmap,
    }
    after = {"label": label, "kind": kind, "color": color, "show_on_roadmap": show_on_roadmap}
    if before == after:
        return False
    if status.kind == StatusKind.OPEN and kind != StatusKind.OPEN and status.archived_at is None:
        _keep_an_open_status(status)
    status.label, status.kind, status.color, status.show_on_roadmap = label, kind, color, show_on_roadmap
    audit.record(actor, "status_edit", "status", status.id, before, after)
    db.session.flush()
    return True


def _keep_an_open_status(leaving: PostStatus) -> None:
    others = db.session.scalar(
        select(func.count()).select_from(PostStatus).where(
            PostStatus.kind == StatusKind.OPEN, PostStatus.archived_at.is_(None), PostStatus.id != leaving.id)
    )  # fmt: skip
    if not others:
        raise Refused(f"“{leaving.label}” is the only open status, the one new posts start in: add another open "
                      "status first.")  # fmt: skip


def reorder(actor: User, status: PostStatus, direction: str) -> bool:
    """Swap the status with its neighbour above ("up") or below ("down"); False at either end."""
    _changing(actor)
    if direction not in ("up", "down"):
        raise Refused("Move a status up or down.")
    rows = list(db.session.scalars(select(PostStatus).order_by(PostStatus.position, PostStatus.slug)))
    index = rows.index(status)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(rows):
        return False
    rows[index], rows[other] = rows[other], rows[index]
    for position, row in enumerate(rows):
        row.position = position
    audit.record(actor, "status_move", "status", status.id, None, {"direction": direction})
    db.session.flush()
    return True


def posts_holding(status: PostStatus) -> int:
    return db.session.scalar(select(func.count()).select_from(Post).where(Post.status == status.slug))


def counts() -> dict[str, int]:
    """How many posts (of any visibility) hold each status."""
    return dict(db.session.execute(select(Post.status, func.count()).group_by(Post.status)).all())


def archive(actor: User, status: PostStatus, move_to: str | None) -> int:
    """Retire a status: staff can no longer choose it. Posts holding it move to `move_to`, each with
    a timeline entry; returns how many moved."""
    _changing(actor)
    if status.archived_at is not None:
        return 0
    if status.kind == StatusKind.OPEN:
        _keep_an_open_status(status)
    held = posts_holding(status)
    target = None
    if held:
        registry = statuses()
        target = registry.get(move_to) if move_to else None
        if target is None or move_to not in registry or target.archived or target.slug == status.slug \
                or target.kind == StatusKind.DUPLICATE:  # fmt: skip
            raise Refused(f"{held} post{'' if held == 1 else 's'} {'is' if held == 1 else 'are'} “{status.label}”: "
                          "choose the status they move to.")  # fmt: skip
        _move_posts(actor, status, target.slug, target.label)
    status.archived_at = utcnow()
    after = {"archived_at": status.archived_at, "moved": held, "moved_to": target.slug if target else None}
    audit.record(actor, "status_archive", "status", status.id, {"archived_at": None}, after)
    db.session.flush()
    return held


def _move_posts(actor: User, status: PostStatus, slug: str, label: str) -> None:
    """Every post of `status` to `slug`, in two statements whatever their number."""
    now = utcnow()
    note = f"“{status.label}” was retired."
    search.note_changed(db.session, db.session.scalars(select(Post.id).where(Post.status == status.slug)).all())
    db.session.execute(
        insert(StatusChange).from_select(
            ["post_id", "actor_id", "from_status", "to_status", "from_label", "to_label", "note", "created_at"],
            select(Post.id, literal(actor.id), literal(status.slug), literal(slug), literal(status.label),
                   literal(label), literal(note), literal(now, StatusChange.created_at.type))
            .where(Post.status == status.slug),
        )
    )  # fmt: skip
    db.session.execute(
        update(Post).where(Post.status == status.slug).values(status=slug, status_changed_at=now),
        execution_options={"synchronize_session": False},
    )
    db.session.expire_all()  # posts loaded in this session hold the old status


def restore(actor: User, status: PostStatus) -> bool:
    _changing(actor)
    if status.archived_at is None:
        return False
    _checked(status.label, status.kind, status.color, keep=status)  # a current status may have taken its label
    status.archived_at = None
    audit.record(actor, "status_restore", "status", status.id, None, {"slug": status.slug})
    db.session.flush()
    return True


def all_rows() -> list[PostStatus]:
    return list(db.session.scalars(select(PostStatus).order_by(PostStatus.position, PostStatus.slug)))
