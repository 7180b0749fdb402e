"""The company's side: official responses and status changes, each kept in
the post's timeline."""

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import markup
from forum.extensions import db
from forum.models import OfficialResponse, Post, ResponseRevision, StatusChange, StatusKind, User, statuses, utcnow
from forum.permissions import Guardian
from forum.services import Refused, audit, notify
from forum.services.posts import touch

RESPONSE_MAX = 10000
STATUS_NOTE_MAX = 500


def respond(actor: User, post: Post, body: str, status: str | None = None) -> OfficialResponse:
    """Answer a post officially, optionally moving its status (a status's slug) in the same step."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_respond(post))
    status = None if status is None else str(status)
    if status is not None and status != post.status:
        guardian.ensure(guardian.can_change_status(post))
        _check_transition(post, status)
    body = markup.clean_text(body).strip()
    response = OfficialResponse(post_id=post.id, author_id=actor.id, body=body, body_html=markup.render(body))
    db.session.add(response)
    db.session.flush()
    if post.first_response_at is None:
        post.first_response_at = response.created_at
    before = {"status": post.status}
    if status is not None and status != post.status:
        _record_status(actor, post, status, response)
    audit.record(actor, "respond", "post", post.id, before, {"status": post.status, "response_id": response.id})
    touch(post)
    db.session.flush()
    notify.responded(actor, post, body, before["status"], response)
    return response


def edit_response(actor: User, post: Post, response: OfficialResponse, body: str) -> bool:
    """Correct an official response, keeping the text it replaces; False when nothing changed.
    Followers are not told again: an edit corrects what they were told."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_respond(post) and response.post_id == post.id)
    body = markup.clean_text(body).strip()
    if body == response.body:
        return False
    now = utcnow()
    db.session.add(ResponseRevision(response_id=response.id, editor_id=actor.id, body=response.body, created_at=now))
    audit.record(actor, "edit_response", "post", post.id, {"response_id": response.id, "body": response.body},
                 {"response_id": response.id, "body": body})  # fmt: skip
    response.body, response.body_html, response.edited_at = body, markup.render(body), now
    db.session.flush()
    return True


def response_edits(post: Post) -> list[ResponseRevision]:
    """Every edit of the post's official responses, oldest first, for its timeline."""
    return list(
        db.session.scalars(
            select(ResponseRevision)
            .join(OfficialResponse, OfficialResponse.id == ResponseRevision.response_id)
            .where(OfficialResponse.post_id == post.id)
            .options(joinedload(ResponseRevision.editor))
            .order_by(ResponseRevision.created_at, ResponseRevision.id)
        )
    )


def change_status(actor: User, post: Post, status: str, note: str = "") -> StatusChange | None:
    """Move a post to another status (a status's slug), with an optional public note for its
    timeline and followers; None when it is there already."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_change_status(post))
    status = str(status)
    if status == post.status:
        return None
    _check_transition(post, status)
    old_status = post.status
    audit.record(actor, "status", "post", post.id, {"status": post.status}, {"status": status})
    change = _record_status(actor, post, status, None)
    change.note = " ".join(markup.clean_text(note).split())[:STATUS_NOTE_MAX] or None
    touch(post)
    db.session.flush()
    notify.status_changed(actor, post, old_status, change.note)
    return change


def _check_transition(post: Post, status: str) -> None:
    """Staff may move a post to any current status; `duplicate` is reached only by merging (and
    left only by undoing the merge)."""
    registry = statuses()
    target = registry.get(status)
    if target.kind == StatusKind.DUPLICATE:
        raise Refused("A post becomes a duplicate only by merging it into its original.")
    if status not in registry or target.archived:
        raise Refused(f"“{status[:40]}” is not a status a post can be moved to; choose one of the listed statuses.")
    if post.status_info.kind == StatusKind.DUPLICATE:
        raise Refused(f"A duplicate post cannot be moved to {target.label.lower()}: undo its merge first.")


def _record_status(actor: User, post: Post, status: str, response: OfficialResponse | None) -> StatusChange:
    change = StatusChange(
        post_id=post.id,
        actor_id=actor.id,
        from_status=post.status,
        to_status=status,
        response_id=None if response is None else response.id,
        created_at=utcnow(),
    )
    post.status = status
    post.status_changed_at = change.created_at
    db.session.add(change)
    return change


def latest_response(post: Post) -> OfficialResponse | None:
    return db.session.scalars(
        select(OfficialResponse)
        .where(OfficialResponse.post_id == post.id)
        .options(joinedload(OfficialResponse.author))
        .order_by(OfficialResponse.created_at.desc(), OfficialResponse.id.desc())
        .limit(1)
    ).first()


def all_responses(post: Post) -> list[OfficialResponse]:
    return list(
        db.session.scalars(
            select(OfficialResponse).where(OfficialResponse.post_id == post.id).order_by(OfficialResponse.created_at)
        )
    )


def timeline(post: Post) -> list[StatusChange]:
    return list(
        db.session.scalars(
            select(StatusChange)
            .where(StatusChange.post_id == post.id)
            .options(joinedload(StatusChange.actor))
            .order_by(StatusChange.created_at, StatusChange.id)
        )
    )
