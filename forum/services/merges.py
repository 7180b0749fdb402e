"""Merging a duplicate into its original, and undoing it exactly.

Votes: a voter of the duplicate who had not voted for the original has their
vote row moved there (same row, same time, so trending is unchanged); one who
had voted for both loses the duplicate's vote (nobody counts twice). Followers
of the duplicate follow the original too, unless they had unfollowed it.
Every vote and follow moved is kept in `merge_moves`, so unmerge() puts back
exactly what the merge changed (less what people changed since: a vote taken
back from the original after the merge stays taken back).

Comments stay on the duplicate, which stays readable and links to its
original; the original lists what was merged into it. Moving comments would
tear replies from the post they answered and make the undo a guess, and the
duplicate's discussion stays one click away.
"""

from dataclasses import dataclass

from sqlalchemy import delete, func, select, update

from forum import visibility
from forum.extensions import db
from forum.models import Follow, MergeMove, MoveKind, Post, PostMerge, Status, StatusChange, User, Vote, utcnow
from forum.permissions import Guardian
from forum.services import Refused, audit, notify
from forum.services.counters import recount

UNSYNCHRONIZED = {"synchronize_session": False}


def check(duplicate: Post, original: Post) -> None:
    """Refuse a merge that cannot be done, saying why in the posts' own titles."""
    if duplicate.id == original.id:
        raise Refused("A post cannot be merged into itself: pick the original, the other post that says the same.")
    if duplicate.merged_into_id is not None:
        target = db.session.get(Post, duplicate.merged_into_id)
        raise Refused(f"This post is already merged into “{target.title}” (post {target.id}).")
    if original.merged_into_id is not None:
        target = db.session.get(Post, original.merged_into_id)
        raise Refused(f"“{original.title}” is itself merged into “{target.title}” (post {target.id}): "
                      "merge into that one instead.")  # fmt: skip
    if original.is_hidden or original.deleted_at is not None:
        # Its voters and followers would move somewhere visitors cannot follow them.
        raise Refused(f"“{original.title}” is hidden or deleted: merge into a post everyone can see.")
    if original.category_id != duplicate.category_id and not visibility.is_public(original.category_id):
        # Voters and followers would move to a post some of them may not see (forum/visibility.py).
        raise Refused(f"“{original.title}” is in a category not everyone may see: move this post into that "
                      "category first, or merge the other way.")  # fmt: skip


@dataclass(frozen=True)
class MergePreview:
    """What merging `duplicate` into `original` would do, counted from the rows as they are now."""

    duplicate: Post
    original: Post
    votes_moving: int  # voters of the duplicate only: their vote moves to the original
    voters_on_both: int  # counted once: their vote on the duplicate is dropped
    original_votes_after: int
    followers_added: int  # followers of the duplicate who will follow the original too
    comments_staying: int


def preview(actor: User, duplicate: Post, original: Post) -> MergePreview:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_merge(duplicate) and guardian.can_merge(original))
    check(duplicate, original)
    duplicate_voters = set(db.session.scalars(select(Vote.user_id).where(Vote.post_id == duplicate.id)))
    original_voters = set(db.session.scalars(select(Vote.user_id).where(Vote.post_id == original.id)))
    known = select(Follow.user_id).where(Follow.post_id == original.id)
    followers_added = db.session.scalar(
        select(func.count())
        .select_from(Follow)
        .where(Follow.post_id == duplicate.id, Follow.active.is_(True), Follow.user_id.not_in(known))
    )
    return MergePreview(
        duplicate=duplicate,
        original=original,
        votes_moving=len(duplicate_voters - original_voters),
        voters_on_both=len(duplicate_voters & original_voters),
        original_votes_after=len(duplicate_voters | original_voters),
        followers_added=followers_added,
        comments_staying=duplicate.comment_count,
    )


def merge_posts(actor: User, duplicate: Post, original: Post) -> PostMerge:
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_merge(duplicate) and guardian.can_merge(original))
    check(duplicate, original)
    now = utcnow()
    merge = PostMerge(duplicate_id=duplicate.id, original_id=original.id, actor_id=actor.id,
                      from_status=str(duplicate.status), created_at=now)  # fmt: skip
    db.session.add(merge)
    db.session.flush()
    moves = _move_votes(merge, duplicate, original) + _move_follows(merge, duplicate, original)
    db.session.add_all(moves)
    db.session.add_all([
        StatusChange(post_id=duplicate.id, actor_id=actor.id, from_status=duplicate.status,
                     to_status=Status.DUPLICATE, merge_id=merge.id, created_at=now),
        StatusChange(post_id=original.id, actor_id=actor.id, from_status=original.status,
                     to_status=original.status, merge_id=merge.id, created_at=now),
    ])  # fmt: skip
    audit.record(actor, "merge", "post", duplicate.id,
                 {"status": duplicate.status, "merged_into_id": None},
                 {"status": Status.DUPLICATE, "merged_into_id": original.id, "merge_id": merge.id,
                  "votes_moved": sum(m.kind == MoveKind.VOTE_MOVED for m in moves),
                  "votes_dropped": sum(m.kind == MoveKind.VOTE_DROPPED for m in moves),
                  "followers_added": sum(m.kind == MoveKind.FOLLOW_ADDED for m in moves)})  # fmt: skip
    duplicate.status = Status.DUPLICATE
    duplicate.status_changed_at = now
    duplicate.merged_into_id = original.id
    _recount(duplicate, original)
    notify.merged(actor, duplicate, original)
    return merge


def _move_votes(merge: PostMerge, duplicate: Post, original: Post) -> list[MergeMove]:
    both = set(db.session.scalars(select(Vote.user_id).where(Vote.post_id == original.id)))
    moves = []
    # Locks the duplicate's vote rows (PostgreSQL) so a vote cast meanwhile is not left behind.
    rows = db.session.execute(
        select(Vote.id, Vote.user_id, Vote.created_at).where(Vote.post_id == duplicate.id).with_for_update()
    ).all()
    for vote_id, user_id, voted_at in rows:
        if user_id in both:
            moves.append(MergeMove(merge_id=merge.id, kind=MoveKind.VOTE_DROPPED, user_id=user_id, voted_at=voted_at))
        else:
            moves.append(MergeMove(merge_id=merge.id, kind=MoveKind.VOTE_MOVED, user_id=user_id, row_id=vote_id))
    dropped = [m.user_id for m in moves if m.kind == MoveKind.VOTE_DROPPED]
    if dropped:
        db.session.execute(delete(Vote).where(Vote.post_id == duplicate.id, Vote.user_id.in_(dropped)))
    db.session.execute(
        update(Vote).where(Vote.post_id == duplicate.id).values(post_id=original.id), execution_options=UNSYNCHRONIZED
    )
    return moves


def _move_follows(merge: PostMerge, duplicate: Post, original: Post) -> list[MergeMove]:
    # Anyone with a row on the original keeps it as it is: following, or unfollowed on purpose.
    known = set(db.session.scalars(select(Follow.user_id).where(Follow.post_id == original.id)))
    followers = db.session.scalars(
        select(Follow.user_id).where(Follow.post_id == duplicate.id, Follow.active.is_(True)).order_by(Follow.id)
    ).all()
    moves = []
    for user_id in followers:
        if user_id in known:
            continue
        follow = Follow(user_id=user_id, post_id=original.id, active=True, created_at=utcnow())
        db.session.add(follow)
        db.session.flush()
        moves.append(MergeMove(merge_id=merge.id, kind=MoveKind.FOLLOW_ADDED, user_id=user_id, row_id=follow.id))
    return moves


def unmerge(actor: User, duplicate: Post) -> PostMerge:
    """Undo the duplicate's merge: its votes, followers and status come back."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_merge(duplicate))
    merge = current_merge(duplicate)
    if merge is None:
        raise Refused("This post is not merged into another.")
    original = db.session.get(Post, merge.original_id)
    if original.merged_into_id is not None:
        raise Refused(f"Post #{original.id} was merged into post #{original.merged_into_id} since: undo that first.")
    now = utcnow()
    moves = db.session.scalars(select(MergeMove).where(MergeMove.merge_id == merge.id)).all()
    moved = [m.row_id for m in moves if m.kind == MoveKind.VOTE_MOVED]
    if moved:
        db.session.execute(
            update(Vote).where(Vote.id.in_(moved), Vote.post_id == original.id).values(post_id=duplicate.id),
            execution_options=UNSYNCHRONIZED,
        )
    for move in moves:
        if move.kind == MoveKind.VOTE_DROPPED:
            db.session.add(Vote(user_id=move.user_id, post_id=duplicate.id, created_at=move.voted_at))
    added = [m.row_id for m in moves if m.kind == MoveKind.FOLLOW_ADDED]
    if added:
        # A follow the member has since turned off is their choice: it stays.
        db.session.execute(delete(Follow).where(Follow.id.in_(added), Follow.active.is_(True)))
    restored = merge.from_status
    db.session.add_all([
        StatusChange(post_id=duplicate.id, actor_id=actor.id, from_status=Status.DUPLICATE, to_status=restored,
                     merge_id=merge.id, created_at=now),
        StatusChange(post_id=original.id, actor_id=actor.id, from_status=original.status,
                     to_status=original.status, merge_id=merge.id, created_at=now),
    ])  # fmt: skip
    audit.record(actor, "unmerge", "post", duplicate.id,
                 {"status": Status.DUPLICATE, "merged_into_id": original.id, "merge_id": merge.id},
                 {"status": restored, "merged_into_id": None})  # fmt: skip
    merge.undone_at, merge.undone_by_id = now, actor.id
    duplicate.status, duplicate.status_changed_at, duplicate.merged_into_id = restored, now, None
    _recount(duplicate, original)
    return merge


def _recount(duplicate: Post, original: Post) -> None:
    db.session.flush()
    recount([duplicate.id, original.id])
    db.session.refresh(duplicate, ["vote_count", "comment_count", "trending_score"])
    db.session.refresh(original, ["vote_count", "comment_count", "trending_score"])


def current_merge(duplicate: Post) -> PostMerge | None:
    return db.session.scalars(
        select(PostMerge)
        .where(PostMerge.duplicate_id == duplicate.id, PostMerge.undone_at.is_(None))
        .order_by(PostMerge.id.desc())
        .limit(1)
    ).first()


def merged_into(original: Post) -> list[Post]:
    """The duplicates merged into this post, oldest merge first."""
    return list(db.session.scalars(select(Post).where(Post.merged_into_id == original.id).order_by(Post.id)))
