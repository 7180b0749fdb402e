"""Who hears about what: follows, in-site notifications, and the emails they cause.

Authors, voters and commenters follow a post automatically; anyone signed in
can follow or unfollow with one click, and an unfollow sticks (voting again
does not follow again). When something happens to a post, one INSERT ... SELECT
writes a notification for every follower, and a second one queues an email
(an outbox row) for each of those whose preference for that event is not
"off" -- both in the transaction of the event itself, so a post with 10,000
followers costs the staff member two statements, not 10,000 round trips, and
nothing is told about an event that was rolled back. Delivery happens after
commit (forum/services/delivery.py).

Never notified: the person who acted, unfollowers, suspended and deleted
accounts.
"""

import re

from sqlalchemy import and_, func, literal, select, update

from forum import markup
from forum.extensions import db
from forum.models import (
    Comment,
    EmailMode,
    EmailPreference,
    Event,
    Follow,
    Notification,
    OutboxMessage,
    Post,
    Status,
    User,
    Visibility,
    Vote,
    counts_as_voter,
    utcnow,
)
from forum.permissions import Guardian
from forum.services import insert_ignoring_duplicates
from forum.visibility import all_categories, visible_posts

MENTION = re.compile(r"(?<![\w@])@([\w.-]{2,50})")
MAX_MENTIONS = 10


# -- following ----------------------------------------------------------------------
def auto_follow(user: User, post: Post) -> None:
    """Follow as author, voter or commenter, unless this member unfollowed the post before."""
    insert_ignoring_duplicates(Follow, ["user_id", "post_id"], user_id=user.id, post_id=post.id, created_at=utcnow())


def follow(user: User, post: Post) -> None:
    if (
        insert_ignoring_duplicates(
            Follow, ["user_id", "post_id"], user_id=user.id, post_id=post.id, created_at=utcnow()
        )
        is None
    ):
        _set_follow(user, post, True)


def unfollow(user: User, post: Post) -> None:
    if (
        insert_ignoring_duplicates(
            Follow, ["user_id", "post_id"], user_id=user.id, post_id=post.id, created_at=utcnow(), active=False
        )
        is None
    ):
        _set_follow(user, post, False)


def _set_follow(user: User, post: Post, active: bool) -> None:
    db.session.execute(
        update(Follow).where(Follow.user_id == user.id, Follow.post_id == post.id).values(active=active),
        execution_options={"synchronize_session": False},
    )


def is_following(user: User, post: Post) -> bool:
    if not user.is_authenticated:
        return False
    return bool(db.session.scalar(select(Follow.active).where(Follow.user_id == user.id, Follow.post_id == post.id)))


def followed_posts(user: User) -> list[Post]:
    return list(
        db.session.scalars(
            select(Post)
            .join(Follow, and_(Follow.post_id == Post.id, Follow.user_id == user.id, Follow.active.is_(True)))
            .where(Post.public(), visible_posts(Guardian(user)))
            .options(db.joinedload(Post.category))
            .order_by(Post.last_activity_at.desc(), Post.id.desc())
            .limit(200)
        )
    )


# -- events ---------------------------------------------------------------------------
def responded(actor: User, post: Post, body: str, old_status: Status) -> None:
    line = markup.first_line(body, 200)
    moved = f" and moved it to {post.status_enum.label}" if post.status != old_status else ""
    _to_followers(post, Event.RESPONSE, actor, f"{actor.display_name} answered officially{moved}: {line}")
    if post.status == Status.DONE and old_status != Status.DONE:
        shipped(actor, post)


def status_changed(actor: User, post: Post, old_status: Status, note: str | None = None) -> None:
    summary = f"{actor.display_name} moved it from {Status(old_status).label} to {post.status_enum.label}."
    if note:
        summary = f"{summary} “{note}”"
    _to_followers(post, Event.STATUS, actor, summary)
    if post.status == Status.DONE:
        shipped(actor, post)


def shipped(actor: User, post: Post) -> None:
    """Every voter hears that it is done (instantly, even those who chose digests)."""
    voters = select(Vote.user_id).where(Vote.post_id == post.id)
    unfollowed = select(Follow.user_id).where(Follow.post_id == post.id, Follow.active.is_(False))
    recipients = (
        select(User.id)
        .where(User.id.in_(voters), User.id.not_in(unfollowed), User.id != actor.id, counts_as_voter(utcnow()))
    )  # fmt: skip
    _fan_out(post, Event.SHIPPED, actor, f"Shipped! “{post.title}” is done.", recipients, force_instant=True)


def merged(actor: User, duplicate: Post, original: Post) -> None:
    """Tell the duplicate's followers that it was merged into the original."""
    _to_followers(duplicate, Event.MERGE, actor, f"Merged into “{original.title}”: votes and follows moved there.")


def commented(actor: User, post: Post, comment: Comment, parent: Comment | None) -> None:
    """A reply tells the comment's author; an @mention tells the one named."""
    told = {actor.id}
    if parent is not None and parent.author_id not in told:
        summary = f"{actor.display_name} replied to your comment: {markup.first_line(comment.body, 200)}"
        _fan_out(post, Event.REPLY, actor, summary, _active_users([parent.author_id]))
        told.add(parent.author_id)
    names = {name.lower().rstrip(".") for name in MENTION.findall(comment.body)}
    if names:
        handle = func.lower(func.replace(User.display_name, " ", ""))
        named = db.session.scalars(
            select(User.id).where(handle.in_(sorted(names)[:MAX_MENTIONS]), User.id.not_in(told))
        ).all()
        if named:
            summary = f"{actor.display_name} mentioned you: {markup.first_line(comment.body, 200)}"
            _fan_out(post, Event.MENTION, actor, summary, _active_users(named))


def moderated(actor: User, post: Post, action: str, reason: str = "") -> None:
    """The author hears that a moderator hid or restored their post, and why."""
    if post.author_id == actor.id:
        return
    summary = {
        "hide": "A moderator hid your post.",
        "unhide": "A moderator made your post visible again.",
        "restore": "A moderator restored your deleted post.",
        "approve": "A moderator approved your post: it is public now.",
        "flagged": "Your post was reported by several members and is hidden until a moderator reviews it.",
    }[action] + (f" Reason: {reason}" if reason else "")
    _fan_out(post, Event.MODERATION, actor, summary, _active_users([post.author_id]))


def vote_recorded(actor: User, post: Post, person: User) -> None:
    """The person hears that the team recorded a vote for them, and that they may take it back. The
    staff member's note stays with the team: it may name the person's company."""
    summary = (f"{actor.display_name} from the team recorded your vote for this post, from what you told us. "
               "Not what you meant? Take the vote back on the post's page.")  # fmt: skip
    _fan_out(post, Event.ON_BEHALF, actor, summary, _active_users([person.id]), force_instant=True)


def _active_users(ids):
    return select(User.id).where(User.id.in_(list(ids)), counts_as_voter(utcnow()))


def _to_followers(post: Post, event: Event, actor: User, summary: str) -> None:
    recipients = (
        select(Follow.user_id)
        .join(User, User.id == Follow.user_id)
        .where(Follow.post_id == post.id, Follow.active.is_(True), Follow.user_id != actor.id,
               counts_as_voter(utcnow()))
    )  # fmt: skip
    _fan_out(post, event, actor, summary, recipients)


def _who_may_see(post: Post, recipients):
    """The recipients who may see the post. A post in a public category: all of them, as one
    statement, whatever their number; a private category's few members are asked one by one."""
    category = next((c for c in all_categories() if c.id == post.category_id), None)
    if category is not None and category.visibility == Visibility.PUBLIC:
        return recipients
    kept = [
        user.id
        for user in db.session.scalars(select(User).where(User.id.in_(recipients)))
        if Guardian(user).can_see_post(post)
    ]
    return select(User.id).where(User.id.in_(kept))


def _fan_out(post: Post, event: Event, actor: User, summary: str, recipients, force_instant: bool = False) -> None:
    """Two statements whatever the number of recipients: the notifications, then their emails."""
    recipients = _who_may_see(post, recipients)
    now = utcnow()
    summary = summary[:500]
    before = db.session.scalar(select(func.coalesce(func.max(Notification.id), 0)))
    db.session.execute(
        Notification.__table__.insert().from_select(
            ["user_id", "post_id", "event", "actor_id", "summary", "created_at", "emailed"],
            select(
                recipients.subquery().c[0],
                literal(post.id),
                literal(event.value),
                literal(actor.id),
                literal(summary),
                literal(now, Notification.created_at.type),
                literal(False),
            ),
        )
    )
    new = select(Notification.id, Notification.user_id).where(
        Notification.id > before, Notification.post_id == post.id, Notification.event == event.value,
        Notification.created_at == now,
    ).subquery()  # fmt: skip
    preference = (
        select(EmailPreference.mode)
        .where(EmailPreference.user_id == new.c.user_id, EmailPreference.event == event.value)
        .scalar_subquery()
    )
    mode = func.coalesce(preference, EmailMode.INSTANT.value)
    kind = literal(EmailMode.INSTANT.value) if force_instant else mode
    db.session.execute(
        OutboxMessage.__table__.insert().from_select(
            ["notification_id", "user_id", "kind", "created_at", "attempts"],
            select(new.c.id, new.c.user_id, kind, literal(now, OutboxMessage.created_at.type), literal(0)).where(
                mode != EmailMode.OFF.value
            ),
        )
    )
    db.session.info["outbox"] = True  # delivery starts after commit (delivery.py)


# -- reading ---------------------------------------------------------------------------
def unread_count(user: User) -> int:
    """Unread notifications about posts the member may still see (as `recent` lists them)."""
    query = select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))  # fmt: skip
    viewer = Guardian(user)
    if viewer.hidden_category_ids():
        query = query.join(Post, Post.id == Notification.post_id).where(visible_posts(viewer))
    return db.session.scalar(query)


def recent(user: User, limit: int = 100) -> list[tuple[Post, list[Notification]]]:
    """My latest notifications, grouped by post, newest group first."""
    rows = db.session.scalars(
        select(Notification)
        .join(Post, Post.id == Notification.post_id)
        .where(Notification.user_id == user.id, visible_posts(Guardian(user)))
        .options(db.contains_eager(Notification.post), db.joinedload(Notification.actor))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    ).all()
    groups: dict[int, tuple[Post, list[Notification]]] = {}
    for row in rows:
        groups.setdefault(row.post_id, (row.post, []))[1].append(row)
    return list(groups.values())


def mark_read(user: User, notification_id: int | None = None) -> int:
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()), execution_options={"synchronize_session": False})
    return result.rowcount


# -- preferences -------------------------------------------------------------------------
def preferences(user: User) -> dict[Event, EmailMode]:
    chosen = dict(
        db.session.execute(
            select(EmailPreference.event, EmailPreference.mode).where(EmailPreference.user_id == user.id)
        ).all()
    )
    return {event: EmailMode(chosen.get(event.value, EmailMode.INSTANT)) for event in Event}


def set_preference(user: User, event: Event, mode: EmailMode) -> None:
    if (
        insert_ignoring_duplicates(
            EmailPreference, ["user_id", "event"], user_id=user.id, event=Event(event).value, mode=EmailMode(mode).value
        )
        is None
    ):
        db.session.execute(
            update(EmailPreference)
            .where(EmailPreference.user_id == user.id, EmailPreference.event == Event(event).value)
            .values(mode=EmailMode(mode).value),
            execution_options={"synchronize_session": False},
        )


def stop_digests(user: User) -> list[Event]:
    """Turn off every kind of update the member gets in digests (a digest's unsubscribe link);
    returns those kinds."""
    stopped = [event for event, mode in preferences(user).items() if mode is EmailMode.DIGEST]
    for event in stopped:
        set_preference(user, event, EmailMode.OFF)
    return stopped
