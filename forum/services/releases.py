"""Release notes: staff say what shipped, in Markdown, naming the done posts it answers; those
posts' voters and followers hear of it once. The changelog shows the notes, and the done posts no
note names as it always did."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from forum import markup
from forum.extensions import db
from forum.models import Post, ReleaseNote, ReleaseNotePost, StatusKind, User, statuses, utcnow
from forum.permissions import Guardian
from forum.services import Refused, notify
from forum.visibility import visible_posts

TITLE_MAX = 200
BODY_MAX = 20000
POSTS_MAX = 50
DOUBLE_SUBMIT_WINDOW = timedelta(minutes=10)


def parse_post_ids(text: str | None) -> list[int]:
    """Post numbers separated by commas (or spaces), "#12" or "12"; Refused for anything else."""
    ids: list[int] = []
    for piece in re.split(r"[,\s]+", (text or "").strip()):
        if not piece:
            continue
        number = piece.lstrip("#")
        if not number.isdigit() or len(number) > 9:
            raise Refused(f"“{piece[:20]}” is not a post number: give the numbers of the posts, separated by commas.")
        if int(number) not in ids:
            ids.append(int(number))
    if len(ids) > POSTS_MAX:
        raise Refused(f"A release note names {POSTS_MAX} posts at most.")
    return ids


def parse_date(text: str | None) -> datetime:
    """The release day (YYYY-MM-DD; today when empty), as the start of that day in UTC, or now
    for today so that a note published today sorts above the done posts of the morning."""
    text = (text or "").strip()
    today = utcnow()
    if not text:
        return today
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise Refused(f"“{text[:20]}” is not a date: write it as 2026-12-07.") from None
    if day > today.date():
        raise Refused("A release note tells what has shipped: give today's date or an earlier one.")
    return today if day == today.date() else datetime.combine(day, time(12, 0), tzinfo=today.tzinfo)


def publish(actor: User, *, title: str, body: str, post_ids: list[int], released_at: datetime) -> ReleaseNote:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_write_release_notes())
    title = markup.one_line(title)
    body = markup.clean_text(body).strip()
    if not title:
        raise Refused("Give the release note a title.")
    if len(title) > TITLE_MAX:
        raise Refused(f"Keep the title to {TITLE_MAX} characters or fewer.")
    if not body:
        raise Refused("Write what shipped before publishing.")
    if len(body) > BODY_MAX:
        raise Refused(f"Keep the release note to {BODY_MAX:,} characters or fewer.")
    twin = db.session.scalars(
        select(ReleaseNote).where(ReleaseNote.author_id == actor.id, ReleaseNote.title == title,
                                  ReleaseNote.body == body, ReleaseNote.created_at >= utcnow() - DOUBLE_SUBMIT_WINDOW)
    ).first()  # fmt: skip
    if twin is not None:  # the same form sent twice: one note, told once
        return twin
    shipped = _shipped_posts(guardian, post_ids)
    note = ReleaseNote(title=title, body=body, body_html=markup.render(body), author_id=actor.id,
                       released_at=released_at, created_at=utcnow())  # fmt: skip
    db.session.add(note)
    db.session.flush()
    db.session.add_all(ReleaseNotePost(note_id=note.id, post_id=post.id) for post in shipped)
    db.session.flush()
    if shipped:
        notify.released(actor, title, shipped)
    notify.release_published(actor, note, shipped)
    return note


def _shipped_posts(guardian: Guardian, post_ids: list[int]) -> list[Post]:
    if not post_ids:
        return []
    found = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids), visible_posts(guardian)))}
    done = set(statuses().of_kinds({StatusKind.DONE}))
    for post_id in post_ids:
        post = found.get(post_id)
        if post is None or post.deleted_at is not None or post.is_hidden:
            raise Refused(f"There is no public post number {post_id}.")
        if post.status not in done:
            raise Refused(f"“{post.title}” (number {post_id}) is {post.status_info.label.lower()}, not done: mark it "
                          "done first, or leave it out.")  # fmt: skip
    return [found[post_id] for post_id in post_ids]


@dataclass
class Entry:
    """One line of the changelog: a release note with its posts, or a done post no note names."""

    moment: datetime
    note: ReleaseNote | None = None
    post: Post | None = None
    posts: list[Post] = field(default_factory=list)


def changelog(viewer: Guardian, *, page: int, per_page: int) -> tuple[list[Entry], bool]:
    """Release notes and the done posts they do not name, newest first, as `viewer` may see them."""
    wanted = page * per_page + 1
    notes = list(
        db.session.scalars(
            select(ReleaseNote).order_by(ReleaseNote.released_at.desc(), ReleaseNote.id.desc()).limit(wanted)
        )
    )
    named = select(ReleaseNotePost.post_id)
    loose = list(
        db.session.scalars(
            select(Post)
            .where(visible_posts(viewer), Post.status.in_(statuses().of_kinds({StatusKind.DONE})))
            .where(Post.id.not_in(named))
            .options(joinedload(Post.category))
            .order_by(Post.status_changed_at.desc(), Post.id.desc())
            .limit(wanted)
        )
    )
    entries = [Entry(note.released_at, note=note) for note in notes]
    entries += [Entry(post.status_changed_at or post.created_at, post=post) for post in loose]
    entries.sort(key=lambda e: (e.moment, e.note is not None), reverse=True)
    shown = entries[(page - 1) * per_page : page * per_page]
    _attach_posts(viewer, [e for e in shown if e.note is not None])
    return shown, len(entries) > page * per_page


def note_entry(viewer: Guardian, note_id: int) -> Entry | None:
    note = db.session.get(ReleaseNote, note_id)
    if note is None:
        return None
    entry = Entry(note.released_at, note=note)
    _attach_posts(viewer, [entry])
    return entry


def _attach_posts(viewer: Guardian, entries: list[Entry]) -> None:
    """Each note's posts that `viewer` may see, in one query."""
    if not entries:
        return
    by_note = {entry.note.id: entry for entry in entries}
    rows = db.session.execute(
        select(ReleaseNotePost.note_id, Post)
        .join(Post, Post.id == ReleaseNotePost.post_id)
        .where(ReleaseNotePost.note_id.in_(by_note), visible_posts(viewer))
        .options(joinedload(Post.category))
        .order_by(Post.vote_count.desc(), Post.id)
    )
    for note_id, post in rows:
        by_note[note_id].posts.append(post)


def unreleased(viewer: Guardian, *, limit: int) -> list[Post]:
    """Done posts no release note names yet, newest first."""
    return list(
        db.session.scalars(
            select(Post)
            .where(visible_posts(viewer), Post.status.in_(statuses().of_kinds({StatusKind.DONE})))
            .where(Post.id.not_in(select(ReleaseNotePost.post_id)))
            .order_by(Post.status_changed_at.desc(), Post.id.desc())
            .limit(limit)
        )
    )
