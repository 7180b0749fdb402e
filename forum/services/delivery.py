"""Delivering the email outbox, after commit, without ever blocking a request.

Notifications and their outbox rows are written in the event's own transaction
(notify.py). After that transaction commits, delivery is started:

- with REDIS_URL set, an RQ job is queued and `flask notifications worker` runs it
  (RQ retries a failed job; a message that keeps failing is given up after
  MAX_ATTEMPTS and kept as a dead letter, listed by `flask notifications dead`);
- without Redis, a background thread in the web process drains the outbox;
- DELIVERY=manual leaves it to `flask notifications deliver` (cron, tests).

Each message is claimed with one UPDATE (so two workers never take the same one),
sent, then marked sent. A worker that dies between sending and marking leaves a
claim that goes stale after OUTBOX_STALE_CLAIM_SECONDS and is taken again; the retry reuses the
message's fixed key, so the outbox file (or SMTP Message-ID) is the same one:
nothing lost, nothing doubled in the outbox (an SMTP server may still see the
same Message-ID twice in that window -- receivers drop such duplicates).
"""

import threading
from datetime import timedelta

from flask import current_app, has_app_context, render_template
from itsdangerous import BadData, URLSafeSerializer
from sqlalchemy import event, or_, select, update
from sqlalchemy.orm import Session

from forum import mail
from forum.extensions import db
from forum.links import absolute_url
from forum.models import EmailMode, Event, Notification, OutboxMessage, Post, User, utcnow
from forum.permissions import Guardian

MAX_ATTEMPTS = 5
BATCH = 200
UNCHANGED = {"synchronize_session": False}


# -- starting delivery after commit ---------------------------------------------------
@event.listens_for(Session, "after_commit")
def _after_commit(session):
    if session.info.pop("outbox", False) and has_app_context():
        start(current_app._get_current_object())


@event.listens_for(Session, "after_rollback")
def _after_rollback(session):
    session.info.pop("outbox", None)


def start(app) -> None:
    mode = app.config["DELIVERY"]
    if mode == "rq":
        from redis import Redis, RedisError
        from rq import Queue, Retry

        connection = Redis.from_url(app.config["REDIS_URL"], socket_timeout=1, socket_connect_timeout=1)
        try:
            Queue("notifications", connection=connection).enqueue(
                run_job, retry=Retry(max=3, interval=[10, 60, 300]), job_timeout=600
            )
        except RedisError:
            # The commit stands and the messages wait in the outbox table: the worker's sweep
            # (`flask notifications worker`) sends them once Redis answers again.
            app.logger.warning("Redis does not answer: emails wait in the outbox", exc_info=True)
    elif mode == "thread":
        _worker_for(app).wake()


class _ThreadWorker:
    """One daemon thread per process that drains the outbox whenever woken."""

    def __init__(self, app):
        self.app = app
        self.signal = threading.Event()
        self.thread = threading.Thread(target=self._run, name="outbox-delivery", daemon=True)
        self.thread.start()

    def wake(self) -> None:
        self.signal.set()

    def _run(self) -> None:
        while True:
            self.signal.wait()
            self.signal.clear()
            with self.app.app_context():
                try:
                    while deliver_pending():
                        pass
                except Exception:  # logged; the rows stay pending for the next wake or a cron run
                    self.app.logger.exception("outbox delivery failed")
                finally:
                    db.session.remove()


_workers: dict[int, _ThreadWorker] = {}
_workers_lock = threading.Lock()


def _worker_for(app) -> _ThreadWorker:
    with _workers_lock:
        if id(app) not in _workers:
            _workers[id(app)] = _ThreadWorker(app)
        return _workers[id(app)]


def run_job() -> int:
    """The RQ job: deliver everything pending (inside `flask notifications worker`'s app)."""
    if has_app_context():
        return _drain()
    from forum import create_app

    with create_app().app_context():
        return _drain()


def _drain() -> int:
    total = 0
    while sent := deliver_pending():
        total += sent
    return total


# -- delivering --------------------------------------------------------------------------
def deliver_pending(limit: int = BATCH, *, crash_after_send=None) -> int:
    """Send up to `limit` instant messages; returns how many were sent."""
    now = utcnow()
    ids = db.session.scalars(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.dead_at.is_(None),
            OutboxMessage.kind == EmailMode.INSTANT.value,
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - stale_claim()),
        )
        .order_by(OutboxMessage.id)
        .limit(limit)
    ).all()
    db.session.commit()
    sent = 0
    for message_id in ids:
        if not _claim(message_id):
            continue
        message = db.session.get(OutboxMessage, message_id)
        if not _may_still_see(message.user_id, message.notification_id):
            _withdraw([message_id])
            continue
        try:
            _send_one(message)
            if crash_after_send is not None:
                crash_after_send(message_id)  # tests: a worker killed between sending and marking
        except Exception as error:  # a broken SMTP server, say: try again later, then give up
            db.session.rollback()
            _failed(message_id, error)
            continue
        _mark_sent([message_id])
        sent += 1
    return sent


def stale_claim() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_STALE_CLAIM_SECONDS"])


def _claim(message_id: int) -> bool:
    now = utcnow()
    claimed = db.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.dead_at.is_(None),
            or_(OutboxMessage.claimed_at.is_(None), OutboxMessage.claimed_at < now - stale_claim()),
        )
        .values(claimed_at=now, attempts=OutboxMessage.attempts + 1),
        execution_options=UNCHANGED,
    ).rowcount
    db.session.commit()
    return claimed == 1


def _mark_sent(message_ids: list[int]) -> None:
    now = utcnow()
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).values(sent_at=now), execution_options=UNCHANGED
    )
    notification_ids = select(OutboxMessage.notification_id).where(OutboxMessage.id.in_(message_ids))
    db.session.execute(
        update(Notification).where(Notification.id.in_(notification_ids)).values(emailed=True),
        execution_options=UNCHANGED,
    )
    db.session.commit()


WITHDRAWN = "withdrawn: the member may no longer see the post"


def _may_still_see(user_id: int, notification_id: int) -> bool:
    """Whether the member may see the post now (moved into a private category since, say): asked
    as the email leaves, never when it was queued."""
    notification = db.session.get(Notification, notification_id)
    user = db.session.get(User, user_id)
    post = db.session.get(Post, notification.post_id)
    return user is not None and post is not None and Guardian(user).can_see_post(post)


def _withdraw(message_ids: list[int]) -> None:
    """Never send these: set aside as dead, with the reason."""
    db.session.execute(
        update(OutboxMessage).where(OutboxMessage.id.in_(message_ids)).values(dead_at=utcnow(), last_error=WITHDRAWN),
        execution_options=UNCHANGED,
    )
    db.session.commit()


def _failed(message_id: int, error: Exception) -> None:
    message = db.session.get(OutboxMessage, message_id)
    message.claimed_at = None
    message.last_error = f"{type(error).__name__}: {error}"[:2000]
    if message.attempts >= MAX_ATTEMPTS:
        message.dead_at = utcnow()
    db.session.commit()
    current_app.logger.warning("email %s failed (attempt %s): %s", message_id, message.attempts, error)


def _send_one(message: OutboxMessage) -> None:
    notification = db.session.get(Notification, message.notification_id)
    user = db.session.get(User, message.user_id)
    post = db.session.get(Post, notification.post_id)
    with _site_context():
        event_ = Event(notification.event)
        unsubscribe = absolute_url("notifications.unsubscribe", token=unsubscribe_token(user, event_))
        context = {
            "user": user,
            "post": post,
            "notification": notification,
            "post_link": absolute_url("posts.show", post_id=post.id, slug=post.slug),
            "unsubscribe": unsubscribe,
            "settings": absolute_url("notifications.settings"),
            "event": event_,
            # A placeholder account (staff recorded a vote for an address without one) is claimed by
            # setting a password through a mailed link.
            "claim": absolute_url("auth.request_reset") if user.is_placeholder else None,
        }
        text = render_template("email/notification.txt", **context)
        html = render_template("email/notification.html", **context)
    mail.send(
        user.email,
        f"{_subject(event_)}: {post.title}"[:200],
        text,
        html,
        unsubscribe=unsubscribe,
        key=f"outbox-{message.id}",
    )


def _subject(event_: Event) -> str:
    return {
        Event.RESPONSE: "Official response",
        Event.STATUS: "Status changed",
        Event.SHIPPED: "Shipped",
        Event.MERGE: "Merged",
        Event.REPLY: "New reply",
        Event.MENTION: "You were mentioned",
        Event.MODERATION: "Moderation",
        Event.ON_BEHALF: "Your vote was recorded",
    }[event_]


def _site_context():
    """Emails are built outside any request (a thread, an RQ worker): links use SITE_URL."""
    return current_app.test_request_context(base_url=current_app.config["SITE_URL"])


# -- daily digests -----------------------------------------------------------------------
def send_digests() -> int:
    """One email per member with everything waiting for their digest; returns how many were sent."""
    users = db.session.scalars(
        select(OutboxMessage.user_id)
        .where(OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_(None),
               OutboxMessage.kind == EmailMode.DIGEST.value)
        .distinct()
    ).all()  # fmt: skip
    sent = 0
    for user_id in users:
        rows = db.session.execute(
            select(OutboxMessage.id, Notification)
            .join(Notification, Notification.id == OutboxMessage.notification_id)
            .where(OutboxMessage.user_id == user_id, OutboxMessage.sent_at.is_(None),
                   OutboxMessage.dead_at.is_(None), OutboxMessage.kind == EmailMode.DIGEST.value)
            .options(db.joinedload(Notification.post))
            .order_by(OutboxMessage.id)
        ).all()  # fmt: skip
        if not rows:
            continue
        user = db.session.get(User, user_id)
        viewer = Guardian(user)
        gone = [message_id for message_id, n in rows if not viewer.can_see_post(n.post)]
        rows = [(message_id, n) for message_id, n in rows if message_id not in gone]
        if not rows:
            _withdraw(gone)
            continue
        with _site_context():
            items = [(n, absolute_url("posts.show", post_id=n.post.id, slug=n.post.slug)) for _, n in rows]
            unsubscribe = absolute_url("notifications.unsubscribe", token=unsubscribe_token(user, DIGEST))
            context = {"user": user, "items": items, "settings": absolute_url("notifications.settings"),
                       "unsubscribe": unsubscribe}  # fmt: skip
            text = render_template("email/digest.txt", **context)
            html = render_template("email/digest.html", **context)
        mail.send(user.email, f"Your {current_app.config['SITE_NAME']} digest: {len(items)} updates", text, html,
                  unsubscribe=unsubscribe, key=f"digest-{rows[0][0]}")  # fmt: skip
        _mark_sent([message_id for message_id, _ in rows])
        if gone:
            _withdraw(gone)
        sent += 1
    return sent


# -- unsubscribing -------------------------------------------------------------------------
# What a digest's unsubscribe link stops: every kind of update the member gets in digests.
DIGEST = "digest"


def _unsubscribe_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user: User, event_: Event | str) -> str:
    return _unsubscribe_serializer().dumps({"u": user.id, "e": str(event_)})


def read_unsubscribe_token(token: str) -> tuple[User, Event | str] | None:
    """The member and what the link stops: one kind of update (an Event), or DIGEST."""
    try:
        data = _unsubscribe_serializer().loads(token)
        user = db.session.get(User, int(data["u"]))
        stops = DIGEST if data["e"] == DIGEST else Event(data["e"])
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        return None
    return (user, stops) if user is not None else None
