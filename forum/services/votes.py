"""Votes: one row per (user, post) under a unique constraint; the counter
moves in SQL in the same transaction, so concurrent clicks are never lost
nor doubled."""

from dataclasses import dataclass

from sqlalchemy import delete, update
from sqlalchemy.orm.attributes import set_committed_value

from forum import markup
from forum.extensions import db
from forum.models import Post, Priority, User, Vote, VoteSource, utcnow
from forum.observability import written
from forum.permissions import Guardian
from forum.services import Refused, accounts, audit, insert_ignoring_duplicates, notify
from forum.services.counters import counted_score
from forum.services.ranking import add_vote_sql


def _insert_ignoring_duplicates(user_id: int, post_id: int, now, **recorded) -> bool:
    return (
        insert_ignoring_duplicates(
            Vote, ["user_id", "post_id"], user_id=user_id, post_id=post_id, created_at=now, **recorded
        )
        is not None
    )


UNSYNCHRONIZED = {"synchronize_session": False}


def _count_in(post: Post, voted_at) -> None:
    count, score = db.session.execute(
        update(Post)
        .where(Post.id == post.id)
        .values(vote_count=Post.vote_count + 1, trending_score=add_vote_sql(Post.trending_score, voted_at))
        .returning(Post.vote_count, Post.trending_score),
        execution_options=UNSYNCHRONIZED,
    ).one()
    _keep_in_step(post, count, score)


def _count_out(post: Post) -> None:
    count = db.session.execute(
        update(Post).where(Post.id == post.id).values(vote_count=Post.vote_count - 1).returning(Post.vote_count),
        execution_options=UNSYNCHRONIZED,
    ).scalar_one()
    # The UPDATE above holds the post's row: no vote can slip in between.
    score = counted_score(post.id)
    db.session.execute(
        update(Post).where(Post.id == post.id).values(trending_score=score), execution_options=UNSYNCHRONIZED
    )
    _keep_in_step(post, count, score)


def _keep_in_step(post: Post, count: int, score: float) -> None:
    # Update the loaded object without marking it dirty: a flush must never
    # write a count computed in Python.
    set_committed_value(post, "vote_count", count)
    set_committed_value(post, "trending_score", score)


def _ensure_open(post: Post) -> None:
    # A closed post's votes are frozen: they are the record of who asked for it.
    if post.is_closed:
        raise Refused(f"This post is {post.status_enum.label.lower()}: it takes no more votes.")


def add(actor: User, post: Post) -> bool:
    """Vote for a post; True when a vote was added, False if it was there already."""
    Guardian(actor).ensure(Guardian(actor).can_vote(post))
    _ensure_open(post)
    now = utcnow()
    added = _insert_ignoring_duplicates(actor.id, post.id, now)
    if added:
        _count_in(post, now)
        written(db.session, "votes")
        notify.auto_follow(actor, post)
    return added


NOTE_MAX = 1000


@dataclass(frozen=True)
class Recorded:
    """What recording a vote on someone's behalf did: for whom, whether a vote was added (False: the
    person had voted already, and nothing changed) and whether their account was made for it."""

    person: User
    added: bool
    new_account: bool


def record_on_behalf(
    actor: User, post: Post, email: str, *, priority: Priority, note: str = "", name: str | None = None
) -> Recorded:
    """Staff record a request heard elsewhere (a call, a meeting) as the person's vote, with a priority
    and a note. An address without an account gets a placeholder account its owner can claim later.
    Still one vote per person per post: when the person has voted already, nothing changes. The
    person is told, and takes the vote back as they would their own."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_vote_on_behalf(post))
    _ensure_open(post)
    person, new_account = accounts.placeholder_for(email, name)
    voter = Guardian(person)
    if person.deleted_at is not None or not voter.can_see_post(post):
        raise Refused(f"{person.display_name} cannot see this post, so no vote was recorded for them.")
    if not voter.can_vote(post):
        raise Refused(f"{person.display_name} may not vote now (suspended), so no vote was recorded.")
    now = utcnow()
    note = markup.clean_text(note).strip()[:NOTE_MAX] or None
    added = _insert_ignoring_duplicates(
        person.id, post.id, now,
        source=VoteSource.ON_BEHALF.value, recorded_by_id=actor.id, note=note, priority=Priority(priority).value,
    )  # fmt: skip
    if not added:
        return Recorded(person, False, new_account)
    _count_in(post, now)
    written(db.session, "votes")
    notify.auto_follow(person, post)
    notify.vote_recorded(actor, post, person)
    audit.record(actor, "vote_on_behalf", "post", post.id, None,
                 {"user_id": person.id, "email": person.email, "priority": str(priority), "note": note,
                  "new_account": new_account})  # fmt: skip
    return Recorded(person, True, new_account)


def remove(actor: User, post: Post) -> bool:
    """Take a vote back; True when a vote was removed."""
    Guardian(actor).ensure(Guardian(actor).can_vote(post))
    _ensure_open(post)
    removed = db.session.execute(delete(Vote).where(Vote.user_id == actor.id, Vote.post_id == post.id)).rowcount == 1
    if removed:
        _count_out(post)
    return removed


def has_voted(user: User, post_ids: list[int]) -> set[int]:
    """Which of these posts the user voted for (one query for a whole page)."""
    if not getattr(user, "is_authenticated", False) or not post_ids:
        return set()
    rows = db.session.execute(db.select(Vote.post_id).where(Vote.user_id == user.id, Vote.post_id.in_(post_ids)))
    return set(rows.scalars())
