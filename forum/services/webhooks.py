"""Webhooks: events queued with the change that caused them, delivered after commit, signed, retried.

An event (post.created, vote.created, ...) is announced by the notification service (notify.py),
which every path that changes a post already calls, so the pages and the API fire the same events
from one place. `emit` writes one delivery row per subscribed endpoint, in the event's own
transaction: a rolled-back change is never announced. After the commit the email outbox's worker
(delivery.py: RQ with REDIS_URL, a thread otherwise, or `flask notifications deliver`) sends them.

What is sent is thin (ids, titles, links, statuses) and decided when it is sent: the post is read
again through `visible_posts(Guardian(None))`, what a visitor may see then. A post hidden, deleted,
merged or moved out of sight after the event is withheld, never described.

Standard endpoints get the Standard Webhooks headers (webhook-id, webhook-timestamp,
webhook-signature), signed by the `standardwebhooks` library; during a secret's rotation grace both
secrets sign. Slack endpoints get a Block Kit message. A failed delivery is retried with exponential
backoff and jitter for about three days; a 410 disables the endpoint at once, and an endpoint that
has not succeeded for DISABLE_AFTER is disabled at its next failure. Either way the admins are told
by email, through the outbox.
"""

import base64
import json
import os
import random
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import literal, or_, select, update
from standardwebhooks import Webhook

from forum.extensions import db
from forum.links import absolute_url
from forum.models import (
    TEST_EVENT,
    Comment,
    EndpointType,
    OfficialResponse,
    OutboxMessage,
    Post,
    ReleaseNote,
    ReleaseNotePost,
    Role,
    User,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
    WebhookSubscription,
    statuses,
    utcnow,
)
from forum.permissions import Guardian
from forum.services import audit
from forum.visibility import visible_posts
from forum.webhooks import transport


def _retry_delays() -> tuple[timedelta, ...]:
    """Waits before each retry: 30 s, 2 min, 8 min, ... times four each time, at most 12 hours,
    until the waits add up to three days."""
    delays, total, step = [], timedelta(0), timedelta(seconds=30)
    while total < timedelta(days=3):
        delays.append(min(step, timedelta(hours=12)))
        total += delays[-1]
        step *= 4
    return tuple(delays)


RETRY_DELAYS = _retry_delays()
JITTER = 0.2  # each wait is drawn within ±20% of its step, so failed receivers are not hit in lockstep
# Longer than one delivery's retries: an endpoint is disabled for failing across several events, not one.
DISABLE_AFTER = timedelta(days=5)
STALE_CLAIM = timedelta(minutes=5)  # longer than any one attempt can take (transport.TIMEOUT_SECONDS)
BATCH = 100
ROTATION_GRACE_MAX_HOURS = 168
SNIPPET_MAX = 500
USER_AGENT = "Tallybook-Webhooks/1"
UNCHANGED = {"synchronize_session": False}


# -- endpoints ----------------------------------------------------------------------------------
def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(os.urandom(24)).decode()


def allow_private() -> bool:
    return bool(current_app.config.get("WEBHOOKS_ALLOW_PRIVATE"))


def check_target(url: str) -> None:
    """Refuse (transport.UnsafeTarget) a URL that resolves to an address webhooks may not reach."""
    transport.check_url(url, allow_private=allow_private())


def _describe(endpoint: WebhookEndpoint) -> dict:
    return {"url": endpoint.url, "type": str(endpoint.type), "events": endpoint.events, "enabled": endpoint.enabled}


def _set_events(endpoint: WebhookEndpoint, events: list[str]) -> None:
    wanted = sorted({WebhookEvent(e).value for e in events})
    endpoint.subscriptions = [s for s in endpoint.subscriptions if s.event in wanted]
    have = {s.event for s in endpoint.subscriptions}
    endpoint.subscriptions.extend(WebhookSubscription(event=e) for e in wanted if e not in have)


def create_endpoint(actor: User | None, url: str, events: list[str], type_: EndpointType = EndpointType.STANDARD,
                    enabled: bool = True) -> tuple[WebhookEndpoint, str]:  # fmt: skip
    """A new endpoint and its secret (shown once). `actor` None: the command line."""
    if actor is not None:
        Guardian(actor).ensure(Guardian(actor).can_manage_webhooks())
    check_target(url)
    secret = new_secret()
    endpoint = WebhookEndpoint(url=url, type=EndpointType(type_), secret=secret, enabled=enabled,
                               created_by_id=actor.id if actor else None, created_at=utcnow())  # fmt: skip
    _set_events(endpoint, events)
    db.session.add(endpoint)
    db.session.flush()
    if actor is not None:
        audit.record(actor, "webhook_create", "webhook", endpoint.id, None, _describe(endpoint))
    return endpoint, secret


def update_endpoint(actor: User, endpoint: WebhookEndpoint, *, url: str, events: list[str], type_: EndpointType,
                    enabled: bool) -> bool:  # fmt: skip
    Guardian(actor).ensure(Guardian(actor).can_manage_webhooks())
    before = _describe(endpoint)
    if url != endpoint.url:
        check_target(url)
    endpoint.url, endpoint.type = url, EndpointType(type_)
    _set_events(endpoint, events)
    if enabled and not endpoint.enabled:
        endpoint.disabled_reason, endpoint.failing_since = None, None
    endpoint.enabled = enabled
    after = _describe(endpoint)
    if after == before:
        return False
    endpoint.updated_at = utcnow()
    audit.record(actor, "webhook_edit", "webhook", endpoint.id, before, after)
    db.session.flush()
    return True


def delete_endpoint(actor: User, endpoint: WebhookEndpoint) -> None:
    """Soft delete: the endpoint and its delivery log stay; nothing more is sent."""
    Guardian(actor).ensure(Guardian(actor).can_manage_webhooks())
    now = utcnow()
    endpoint.deleted_at, endpoint.enabled = now, False
    _settle_pending(endpoint, "cancelled")
    audit.record(actor, "webhook_delete", "webhook", endpoint.id, _describe(endpoint), {"deleted_at": now})
    db.session.flush()


def rotate_secret(actor: User | None, endpoint: WebhookEndpoint, grace: timedelta) -> str:
    """A new secret; the old one keeps signing beside it for `grace`, so receivers switch at leisure."""
    if actor is not None:
        Guardian(actor).ensure(Guardian(actor).can_manage_webhooks())
    now = utcnow()
    if grace > timedelta(0):
        endpoint.previous_secret, endpoint.previous_secret_expires_at = endpoint.secret, now + grace
    else:
        endpoint.previous_secret, endpoint.previous_secret_expires_at = None, None
    endpoint.secret = new_secret()
    endpoint.updated_at = now
    if actor is not None:
        audit.record(actor, "webhook_rotate", "webhook", endpoint.id, None,
                     {"grace_until": endpoint.previous_secret_expires_at})  # fmt: skip
    db.session.flush()
    return endpoint.secret


def endpoints() -> list[WebhookEndpoint]:
    return list(
        db.session.scalars(
            select(WebhookEndpoint).where(WebhookEndpoint.deleted_at.is_(None)).order_by(WebhookEndpoint.id)
        )
    )


def _settle_pending(endpoint: WebhookEndpoint, state: str) -> None:
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.next_attempt_at.is_not(None))
        .values(next_attempt_at=None, state=state, claimed_at=None),
        execution_options=UNCHANGED,
    )


# -- events ----------------------------------------------------------------------------------------
def _message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def emit(event: WebhookEvent, facts: dict, post: Post | None = None) -> int:
    """Queue `event` for every enabled endpoint that wants it, in the current transaction; returns
    how many deliveries were queued. A post a visitor may not see now is not announced at all."""
    if post is not None and not Guardian(None).can_see_post(post):
        return 0
    now = utcnow()
    wanted = (
        select(
            WebhookEndpoint.id,
            literal(_message_id()),
            literal(WebhookEvent(event).value),
            literal(facts, WebhookDelivery.facts.type),
            literal(now, WebhookDelivery.created_at.type),
            literal(now, WebhookDelivery.next_attempt_at.type),
            literal(0),
            literal("pending"),
        )
        .join(WebhookSubscription, WebhookSubscription.endpoint_id == WebhookEndpoint.id)
        .where(WebhookSubscription.event == WebhookEvent(event).value, WebhookEndpoint.enabled.is_(True),
               WebhookEndpoint.deleted_at.is_(None))
    )  # fmt: skip
    queued = db.session.execute(
        WebhookDelivery.__table__.insert().from_select(
            ["endpoint_id", "message_id", "event", "facts", "created_at", "next_attempt_at", "attempts", "state"],
            wanted,
        )
    ).rowcount
    if queued:
        db.session.info["outbox"] = True  # delivery starts after commit (delivery.py)
    return queued


def send_test(actor: User, endpoint: WebhookEndpoint) -> WebhookDelivery:
    Guardian(actor).ensure(Guardian(actor).can_manage_webhooks())
    delivery = _queue(endpoint, TEST_EVENT, {"endpoint_id": endpoint.id}, _message_id())
    audit.record(actor, "webhook_test", "webhook", endpoint.id, None, {"delivery_id": delivery.id})
    return delivery


def redeliver(actor: User, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again, as a new entry of the log with the same webhook-id (receivers that
    already have it can tell)."""
    Guardian(actor).ensure(Guardian(actor).can_manage_webhooks())
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    again = _queue(endpoint, delivery.event, delivery.facts, delivery.message_id)
    audit.record(actor, "webhook_redeliver", "webhook", endpoint.id, {"delivery_id": delivery.id},
                 {"delivery_id": again.id})  # fmt: skip
    return again


def _queue(endpoint: WebhookEndpoint, event: str, facts: dict, message_id: str) -> WebhookDelivery:
    now = utcnow()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id=message_id, event=event, facts=facts,
                               created_at=now, next_attempt_at=now, attempts=0, state="pending")  # fmt: skip
    db.session.add(delivery)
    db.session.flush()
    db.session.info["outbox"] = True
    return delivery


def deliveries(endpoint: WebhookEndpoint, limit: int = 50) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first, each with its attempts (two queries)."""
    return list(
        db.session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint.id)
            .options(db.selectinload(WebhookDelivery.attempt_log))
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# -- payloads ---------------------------------------------------------------------------------------
def _visible_post(post_id: int | None) -> Post | None:
    """The post as a visitor may see it now, or None."""
    if post_id is None:
        return None
    post = db.session.scalars(select(Post).where(Post.id == post_id, visible_posts(Guardian(None)))).first()
    return post if post is not None and Guardian(None).can_see_post(post) else None


def status_label(slug: str) -> str:
    return statuses().get(slug).label


def _post_summary(post: Post) -> dict:
    return {
        "id": post.id,
        "title": post.title,
        "kind": str(post.kind),
        "status": str(post.status),
        "votes": post.vote_count,
        "comments": post.comment_count,
        "url": absolute_url("posts.show", post_id=post.id, slug=post.slug),
        "created_at": post.created_at.isoformat(timespec="seconds"),
    }


def _release_summary(note: ReleaseNote) -> dict:
    return {
        "id": note.id,
        "title": note.title,
        "url": absolute_url("roadmap.release_note", note_id=note.id),
        "released_at": note.released_at.isoformat(timespec="seconds"),
    }


def _shipped_by(note: ReleaseNote) -> list[Post]:
    """The posts a release note ships that a visitor may see now (a duplicate merged since lives on
    as its original, which is left out unless the note names it too)."""
    named = select(ReleaseNotePost.post_id).where(ReleaseNotePost.note_id == note.id)
    found = db.session.scalars(
        select(Post).where(Post.id.in_(named), Post.merged_into_id.is_(None), visible_posts(Guardian(None)))
        .order_by(Post.id)
    )  # fmt: skip
    return [post for post in found if Guardian(None).can_see_post(post)]


def payload(delivery: WebhookDelivery) -> dict | None:
    """The JSON body of a delivery, built now; None when it would tell a visitor more than they may see."""
    facts, event = delivery.facts, delivery.event
    data: dict
    if event == TEST_EVENT:
        data = {"endpoint_id": facts.get("endpoint_id"), "message": "A test delivery, sent from the admin pages."}
    elif event == WebhookEvent.CHANGELOG_PUBLISHED:
        note = db.session.get(ReleaseNote, facts.get("release_id") or 0)
        if note is None:
            return None
        data = {"release": _release_summary(note), "posts": [_post_summary(post) for post in _shipped_by(note)]}
    else:
        post = _visible_post(facts.get("post_id"))
        if post is None:
            return None
        if post.merged_into_id is not None and event != WebhookEvent.POST_MERGED:
            return None  # a duplicate's news belongs to its original now
        data = {"post": _post_summary(post)}
        if event in (WebhookEvent.POST_STATUS_CHANGED, WebhookEvent.OFFICIAL_RESPONSE_CREATED):
            data["from_status"], data["to_status"] = facts.get("from_status"), facts.get("to_status")
        if event == WebhookEvent.POST_MERGED:
            original = _visible_post(facts.get("original_id"))
            if original is None or post.merged_into_id != original.id:
                return None  # undone since, or the original went out of sight
            data["original"] = _post_summary(original)
        if event == WebhookEvent.OFFICIAL_RESPONSE_CREATED:
            response = db.session.get(OfficialResponse, facts.get("response_id") or 0)
            if response is None or response.post_id != post.id:
                return None
            data["response"] = {"id": response.id, "url": data["post"]["url"] + "#official-response"}
        if event == WebhookEvent.COMMENT_CREATED:
            comment = db.session.get(Comment, facts.get("comment_id") or 0)
            if comment is None or comment.post_id != post.id or not Guardian(None).can_see_comment(comment):
                return None
            data["comment"] = {"id": comment.id, "parent_id": comment.parent_id,
                               "url": f"{data['post']['url']}#comment-{comment.id}"}  # fmt: skip
    return {"type": event, "timestamp": delivery.created_at.isoformat(timespec="seconds"), "data": data}


# -- Slack ------------------------------------------------------------------------------------------
def _slack_escape(text: str) -> str:
    """Slack reads &, < and > as markup (links, @channel): a title must not ping a whole channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_link(post: dict) -> str:
    return f"<{post['url']}|{_slack_escape(post['title'])}>"


HEADLINES = {
    WebhookEvent.POST_CREATED: "New {kind}: {link}",
    WebhookEvent.POST_STATUS_CHANGED: "Status changed to {to}: {link}",
    WebhookEvent.POST_MERGED: "Merged as a duplicate: {link} into {original}",
    WebhookEvent.OFFICIAL_RESPONSE_CREATED: "Official response on {link}",
    WebhookEvent.COMMENT_CREATED: "New comment on {link}",
    WebhookEvent.VOTE_CREATED: "New vote for {link}",
    WebhookEvent.VOTE_DELETED: "A vote was taken back from {link}",
}


def slack_message(body: dict) -> dict:
    """A Slack incoming-webhook message: `text` (notifications and fallbacks) and Block Kit `blocks`."""
    site = current_app.config["SITE_NAME"]
    if body["type"] == WebhookEvent.CHANGELOG_PUBLISHED:
        return _slack_release(site, body["data"])
    post = body["data"].get("post")
    if post is None:
        text = f"Test message from {site}: this Slack channel will hear the events you chose."
        return {"text": text, "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": _slack_escape(text)}}]}
    data = body["data"]
    values = {
        "kind": post["kind"],
        "link": _slack_link(post),
        "to": status_label(data.get("to_status") or post["status"]),
        "original": _slack_link(data["original"]) if "original" in data else "",
    }
    headline = HEADLINES[WebhookEvent(body["type"])].format(**values)
    votes = f"{post['votes']} vote{'s' if post['votes'] != 1 else ''}"
    details = f"{post['kind'].capitalize()} · {votes} · {status_label(post['status'])}"
    plain = HEADLINES[WebhookEvent(body["type"])].format(
        **{**values, "link": f"“{post['title']}”",
           "original": f"“{data['original']['title']}”" if "original" in data else ""}
    )  # fmt: skip
    return {
        "text": f"{plain} ({details}) {post['url']}"[:3000],
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": headline[:3000]}},
            {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_escape(f"{site} · {details}")[:3000]}]},
        ],
    }


def _slack_release(site: str, data: dict) -> dict:
    release, shipped = data["release"], data["posts"]
    link = f"<{release['url']}|{_slack_escape(release['title'])}>"
    count = f"{len(shipped)} post{'s' if len(shipped) != 1 else ''} shipped"
    names = ", ".join(f"“{post['title']}”" for post in shipped[:5])
    more = f" and {len(shipped) - 5} more" if len(shipped) > 5 else ""
    details = f"{count}: {names}{more}" if shipped else "No posts named"
    blocks = [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"Release notes published: {link}"[:3000]}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _slack_escape(f"{site} · {details}")[:3000]}]},
    ]
    plain = _slack_escape(f"Release notes published: “{release['title']}” ({details})")
    return {"text": f"{plain} {release['url']}"[:3000],
            "blocks": blocks}  # fmt: skip


# -- signing ----------------------------------------------------------------------------------------
def grace_active(endpoint: WebhookEndpoint, now: datetime | None = None) -> bool:
    """Whether the previous secret still signs beside the current one."""
    until = endpoint.previous_secret_expires_at
    return bool(endpoint.previous_secret and until and (now or utcnow()) < until)


def signature_headers(endpoint: WebhookEndpoint, message_id: str, body: str, now: datetime) -> dict[str, str]:
    """The Standard Webhooks headers; while a rotation's grace lasts, the previous secret signs too."""
    keys = [endpoint.secret]
    if grace_active(endpoint, now):
        keys.append(endpoint.previous_secret)
    signatures = " ".join(Webhook(key).sign(message_id, now, body) for key in keys)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())), "webhook-signature": signatures}


# -- delivering (in the outbox worker) ---------------------------------------------------------------
def next_due_at() -> datetime | None:
    """When the earliest pending delivery falls due (the delivery thread sleeps until then)."""
    return db.session.scalar(
        select(WebhookDelivery.next_attempt_at).where(WebhookDelivery.next_attempt_at.is_not(None))
        .order_by(WebhookDelivery.next_attempt_at).limit(1)
    )  # fmt: skip


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Attempt up to `limit` deliveries that are due at `now`; returns how many were attempted.
    `now` is the clock, which tests move forward."""
    now = now or utcnow()
    ids = db.session.scalars(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.next_attempt_at <= now,
               or_(WebhookDelivery.claimed_at.is_(None), WebhookDelivery.claimed_at < now - STALE_CLAIM))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
        .limit(limit)
    ).all()  # fmt: skip
    db.session.commit()
    attempted = 0
    for delivery_id in ids:
        if _claim(delivery_id, now):
            _attempt(delivery_id, now)
            attempted += 1
    return attempted


def _claim(delivery_id: int, now: datetime) -> bool:
    """One UPDATE takes the delivery, so two workers never send it twice."""
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.next_attempt_at <= now,
               or_(WebhookDelivery.claimed_at.is_(None), WebhookDelivery.claimed_at < now - STALE_CLAIM))
        .values(claimed_at=now),
        execution_options=UNCHANGED,
    ).rowcount  # fmt: skip
    db.session.commit()
    return claimed == 1


def _attempt(delivery_id: int, now: datetime) -> None:
    delivery = db.session.get(WebhookDelivery, delivery_id)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint.deleted_at is not None or not endpoint.enabled:
        _settle(delivery, "cancelled")
        db.session.commit()
        return
    body = payload(delivery)
    if body is None:
        _settle(delivery, "withheld")
        db.session.commit()
        return
    if endpoint.type == EndpointType.SLACK:
        text = json.dumps(slack_message(body), ensure_ascii=False)
        headers = {}
    else:
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
        headers = signature_headers(endpoint, delivery.message_id, text, now)
    headers |= {"Content-Type": "application/json", "User-Agent": USER_AGENT}
    answer = transport.post(endpoint.url, text.encode(), headers, allow_private=allow_private())
    db.session.add(
        WebhookAttempt(
            delivery_id=delivery.id,
            attempted_at=now,
            status_code=answer.status,
            error=answer.error[:500] if answer.error else None,
            response_snippet=answer.body[:SNIPPET_MAX].decode("utf-8", "replace") if answer.body else None,
            duration_ms=answer.duration_ms,
        )
    )
    delivery.attempts += 1
    delivery.last_status = answer.status
    delivery.claimed_at = None
    if answer.status is not None and 200 <= answer.status < 300:
        delivery.state, delivery.next_attempt_at, delivery.delivered_at = "delivered", None, now
        endpoint.failing_since = None
    elif answer.status == 410:
        _settle(delivery, "failed")
        _disable(endpoint, "The receiver answered 410 Gone: it wants no more deliveries.")
    else:
        if delivery.attempts <= len(RETRY_DELAYS):
            step = RETRY_DELAYS[delivery.attempts - 1]
            delivery.next_attempt_at = now + step * random.uniform(1 - JITTER, 1 + JITTER)
        else:
            _settle(delivery, "failed")
        endpoint.failing_since = endpoint.failing_since or now
        if now - endpoint.failing_since >= DISABLE_AFTER:
            _disable(endpoint, f"No delivery succeeded since {endpoint.failing_since:%Y-%m-%d %H:%M} UTC.")
    db.session.commit()


def _settle(delivery: WebhookDelivery, state: str) -> None:
    delivery.state, delivery.next_attempt_at, delivery.claimed_at = state, None, None


def _disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop sending to the endpoint and tell every admin by email (through the outbox)."""
    endpoint.enabled, endpoint.disabled_reason = False, reason
    _settle_pending(endpoint, "cancelled")
    db.session.flush()
    link = absolute_url("webhooks.show", endpoint_id=endpoint.id)
    admins = db.session.scalars(
        select(User).where(User.role == Role.ADMIN, User.deleted_at.is_(None)).order_by(User.id)
    ).all()
    now = utcnow()
    for admin in admins:
        if admin.is_suspended:
            continue
        db.session.add(
            OutboxMessage(
                user_id=admin.id,
                kind="instant",
                created_at=now,
                attempts=0,
                subject=f"Webhook endpoint disabled: {endpoint.url}"[:200],
                text=(
                    f"The webhook endpoint {endpoint.url} was disabled.\n\n{reason}\n\n"
                    f"Nothing more is sent to it until an admin turns it back on:\n{link}\n"
                ),
            )
        )
    db.session.info["outbox"] = True
