"""Delivery after commit, retries with backoff under a controlled clock, 410, disabling an endpoint
that keeps failing (and telling the admins), redelivery, and every path firing its event."""

import itertools
import re
from datetime import timedelta

import pytest

from forum.extensions import db
from forum.models import Kind, Role, Status, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from forum.services import comments, delivery, merges, responses, votes, webhooks
from forum.services.webhooks import DISABLE_AFTER, JITTER, RETRY_DELAYS, utcnow
from tests.webhooks.conftest import deliver


def _deliveries():
    db.session.rollback()
    return db.session.scalars(db.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def test_the_retry_schedule_backs_off_for_about_three_days():
    assert all(later >= earlier for earlier, later in itertools.pairwise(RETRY_DELAYS))
    assert RETRY_DELAYS[0] <= timedelta(minutes=1) and RETRY_DELAYS[1] >= 2 * RETRY_DELAYS[0]
    assert timedelta(days=3) <= sum(RETRY_DELAYS, timedelta(0)) <= timedelta(days=3, hours=12)


def test_a_receiver_that_fails_three_times_then_recovers(app, receiver, endpoint_for, make_post, make_user, login_as,
                                                         client):  # fmt: skip
    endpoint, _ = endpoint_for(receiver.url, ["post.created"])
    receiver.answer(500, 503, 502, 200)
    make_post(title="Offline mode")
    clock = utcnow()

    assert deliver(clock) == 1
    for attempt, step in enumerate(RETRY_DELAYS[:3], start=1):
        [queued] = _deliveries()
        assert queued.state == "pending" and queued.attempts == attempt
        wait = queued.next_attempt_at - clock
        assert step * (1 - JITTER) <= wait <= step * (1 + JITTER), f"attempt {attempt}: waits {wait}"
        assert deliver(clock + wait - timedelta(seconds=1)) == 0  # not due yet: nothing is sent
        clock += wait
        assert deliver(clock) == 1

    [done] = _deliveries()
    assert (done.state, done.attempts, done.last_status) == ("delivered", 4, 200)
    assert len(receiver.requests) == 4
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1  # one message, four tries
    attempts = db.session.scalars(db.select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert [a.status_code for a in attempts] == [500, 503, 502, 200]
    assert attempts[0].response_snippet == "answer 500"
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since is None

    login_as(db.session.scalars(db.select(webhooks.User).where(webhooks.User.role == Role.ADMIN)).first())
    page = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert "4 attempts" in page
    assert [int(code) for code in re.findall(r"<strong>(\d{3})</strong>", page)] == [500, 503, 502, 200]
    assert "answer 503" in page


def test_a_delivery_gives_up_after_the_last_retry(receiver, endpoint_for, make_post):
    endpoint_for(receiver.url, ["post.created"])
    receiver.answer(500)
    make_post()
    clock = utcnow()
    for _ in range(len(RETRY_DELAYS) + 1):
        assert deliver(clock) == 1
        [queued] = _deliveries()
        if queued.next_attempt_at is None:
            break
        clock = queued.next_attempt_at
    assert (queued.state, queued.attempts) == ("failed", len(RETRY_DELAYS) + 1)
    assert len(receiver.requests) == len(RETRY_DELAYS) + 1


def test_410_disables_the_endpoint_and_tells_the_admins(app, receiver, endpoint_for, make_post, make_user, outbox):
    endpoint, _ = endpoint_for(receiver.url, ["post.created"])
    admin = make_user(Role.ADMIN, email="boss@example.com")
    receiver.answer(410)
    make_post(title="First")
    make_post(title="Second")

    assert deliver() == 1  # the second is cancelled with the endpoint, never sent
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.enabled and "410" in endpoint.disabled_reason
    assert [d.state for d in _deliveries()] == ["failed", "cancelled"]
    assert len(receiver.requests) == 1

    delivery.deliver_pending()
    told = {m["To"]: m for m in outbox()}
    assert admin.email in told
    assert told[admin.email]["Subject"] == f"Webhook endpoint disabled: {receiver.url}"
    assert f"/admin/webhooks/{endpoint.id}" in told[admin.email].get_content()

    make_post(title="Third")  # a disabled endpoint hears nothing more
    assert len(_deliveries()) == 2


def test_an_endpoint_failing_for_days_is_disabled(receiver, endpoint_for, make_post, make_user, outbox):
    endpoint, _ = endpoint_for(receiver.url, ["post.created", "vote.created"])
    admin = make_user(Role.ADMIN)
    receiver.answer(500)
    post = make_post()
    clock = utcnow()
    deliver(clock)
    assert db.session.get(WebhookEndpoint, endpoint.id).failing_since == clock

    votes.add(make_user(), post)
    db.session.commit()
    deliver(clock + DISABLE_AFTER - timedelta(hours=1))  # days of failures, not yet enough
    assert db.session.get(WebhookEndpoint, endpoint.id).enabled

    deliver(clock + DISABLE_AFTER + timedelta(minutes=1))
    endpoint = db.session.get(WebhookEndpoint, endpoint.id)
    assert not endpoint.enabled and "No delivery succeeded since" in endpoint.disabled_reason
    assert all(d.next_attempt_at is None for d in _deliveries())
    delivery.deliver_pending()
    assert admin.email in [m["To"] for m in outbox()]


def test_redeliver_sends_the_same_message_again(app, receiver, endpoint_for, make_post, make_user, login_as, send):
    endpoint, _ = endpoint_for(receiver.url, ["post.created"])
    receiver.answer(500, 200)
    make_post()
    clock = utcnow()
    deliver(clock)
    [first] = _deliveries()

    admin = login_as(make_user(Role.ADMIN))
    response = send(f"/admin/webhooks/{endpoint.id}/deliveries/{first.id}/redeliver")
    assert response.status_code == 303
    deliver()
    first, again = _deliveries()
    assert again.message_id == first.message_id and again.state == "delivered"
    assert [r.headers["webhook-id"] for r in receiver.requests] == [first.message_id] * 2

    assert admin.role == Role.ADMIN


def test_send_test_reaches_the_receiver(receiver, endpoint_for, make_user, login_as, send):
    endpoint, _ = endpoint_for(receiver.url, ["vote.created"])
    login_as(make_user(Role.ADMIN))
    assert send(f"/admin/webhooks/{endpoint.id}/test").status_code == 303
    deliver()
    [request] = receiver.requests
    assert request.json["type"] == "webhook.test"
    assert request.json["data"]["endpoint_id"] == endpoint.id


def test_a_rolled_back_change_is_never_announced(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["vote.created"])
    post = make_post()
    votes.add(make_user(), post)
    db.session.rollback()
    assert _deliveries() == []


def test_delivery_starts_after_commit_in_the_background(app, receiver, endpoint_for, make_post, monkeypatch):
    """DELIVERY=thread: the web process's delivery thread sends it, nobody calls deliver_due."""
    import time

    endpoint_for(receiver.url, ["post.created"])
    monkeypatch.setitem(app.config, "DELIVERY", "thread")
    make_post(title="Sent by the thread")
    for _ in range(200):
        if [d.state for d in _deliveries()] == ["delivered"]:
            break  # the thread is done: it sleeps until woken, as nothing else is pending
        time.sleep(0.05)
    assert [r.json["data"]["post"]["title"] for r in receiver.requests] == ["Sent by the thread"]
    assert [d.state for d in _deliveries()] == ["delivered"]


@pytest.mark.parametrize("through", ["pages"])
def test_every_path_fires_its_event(through, receiver, endpoint_for, make_user, category, login_as, send):
    """The pages fire every event through the services; the API calls the same services."""
    endpoint_for(receiver.url)
    author, staff, voter = make_user(), make_user(Role.STAFF), make_user()

    login_as(author)
    created = send("/posts", {"title": "Bulk export", "body": "Please.", "kind": "idea", "category": category.slug})
    post_id = int(created.location.rsplit("/", 1)[1].split("-")[0])
    login_as(voter)
    send(f"/posts/{post_id}/vote")
    send(f"/posts/{post_id}/unvote")
    send(f"/posts/{post_id}/comments", {"body": "Same here."})
    login_as(staff)
    send(f"/posts/{post_id}/response", {"body": "On it.", "status": "planned"})
    send(f"/posts/{post_id}/status", {"status": "in_progress"})
    login_as(author)
    other = send("/posts", {"title": "Export everything", "body": "As CSV.", "kind": "idea", "category": category.slug})
    other_id = int(other.location.rsplit("/", 1)[1].split("-")[0])
    deliver()  # before the merge: afterwards the duplicate's own news is withheld (test_visibility.py)
    login_as(staff)
    send(f"/posts/{other_id}/merge", {"into": str(post_id)})

    deliver()
    events = [r.json["type"] for r in receiver.requests]
    assert events == [
        "post.created",
        "vote.created",
        "vote.deleted",
        "comment.created",
        "official_response.created",
        "post.status_changed",
        "post.status_changed",
        "post.created",
        "post.merged",
    ]
    by_type = {}
    for r in receiver.requests:
        by_type.setdefault(r.json["type"], []).append(r.json["data"])
    assert by_type["post.status_changed"][0]["from_status"] == "open"
    assert by_type["post.status_changed"][0]["to_status"] == "planned"
    assert by_type["official_response.created"][0]["response"]["url"].endswith("#official-response")
    assert by_type["comment.created"][0]["comment"]["url"].endswith(
        f"#comment-{by_type['comment.created'][0]['comment']['id']}"
    )
    merged = by_type["post.merged"][0]
    assert (merged["post"]["id"], merged["original"]["id"], merged["post"]["status"]) == (
        other_id,
        post_id,
        "duplicate",
    )


def test_services_fire_the_same_events_without_http(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url)
    staff = make_user(Role.STAFF)
    post, duplicate = make_post(kind=Kind.COMPLAINT), make_post()
    comments.add_comment(make_user(), post, "Me too")
    responses.respond(staff, post, "Fixed soon.", Status.UNDER_REVIEW)
    db.session.commit()
    deliver()
    merges.merge_posts(staff, duplicate, post)
    db.session.commit()
    deliver()
    assert [r.json["type"] for r in receiver.requests] == [
        "post.created", "post.created", "comment.created", "official_response.created", "post.status_changed",
        "post.merged",
    ]  # fmt: skip
