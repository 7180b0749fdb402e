"""Deliveries carry the Standard Webhooks headers, and a receiver verifies them with the
`standardwebhooks` library: a tampered body or a wrong secret is rejected."""

from datetime import timedelta

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from forum.extensions import db
from forum.models import Role, WebhookDelivery
from forum.services import webhooks
from forum.services.webhooks import utcnow
from tests.webhooks.conftest import deliver


def test_a_delivery_verifies_with_the_standardwebhooks_library(app, receiver, endpoint_for, make_post, make_user):
    _, secret = endpoint_for(receiver.url, ["post.created"])
    author = make_user(email="ada@example.com", name="Ada")
    post = make_post(author, title="Export to CSV")

    assert deliver() == 1
    [request] = receiver.requests
    payload = Webhook(secret).verify(request.body, request.headers)

    assert payload["type"] == "post.created"
    assert payload["data"]["post"] == {
        "id": post.id,
        "title": "Export to CSV",
        "kind": "idea",
        "status": "open",
        "votes": 1,
        "comments": 0,
        "url": f"{app.config['SITE_URL']}/posts/{post.id}-export-to-csv",
        "created_at": post.created_at.isoformat(timespec="seconds"),
    }
    assert request.headers["webhook-id"].startswith("msg_")
    assert request.headers["Content-Type"] == "application/json"
    assert b"ada@example.com" not in request.body and b"Ada" not in request.body
    delivery = db.session.scalars(db.select(WebhookDelivery)).one()
    assert (delivery.state, delivery.last_status, delivery.attempts) == ("delivered", 200, 1)


def test_a_tampered_body_or_another_secret_is_rejected(receiver, endpoint_for, make_post):
    _, secret = endpoint_for(receiver.url, ["post.created"])
    make_post(title="Dark mode")
    deliver()
    [request] = receiver.requests

    tampered = request.body.replace(b"Dark mode", b"Dark mods")
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, request.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(request.body, request.headers)
    replayed_later = {**request.headers, "webhook-timestamp": str(int(utcnow().timestamp()) + 3600)}
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body, replayed_later)


def test_during_a_rotation_both_secrets_sign_then_only_the_new_one(receiver, endpoint_for, make_post, make_user):
    endpoint, old_secret = endpoint_for(receiver.url, ["post.created"])
    admin = make_user(Role.ADMIN)
    new_secret = webhooks.rotate_secret(admin, endpoint, timedelta(hours=24))
    db.session.commit()
    assert new_secret != old_secret

    make_post(title="During the grace")
    deliver()
    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert Webhook(old_secret).verify(during.body, during.headers)
    assert Webhook(new_secret).verify(during.body, during.headers)

    endpoint.previous_secret_expires_at = utcnow() - timedelta(seconds=1)  # the grace is over
    db.session.commit()
    make_post(title="After the grace")
    deliver()
    after = receiver.requests[-1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert Webhook(new_secret).verify(after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(after.body, after.headers)


def test_a_rotation_without_grace_stops_the_old_secret_at_once(receiver, endpoint_for, make_post, make_user):
    endpoint, old_secret = endpoint_for(receiver.url, ["post.created"])
    webhooks.rotate_secret(make_user(Role.ADMIN), endpoint, timedelta(0))
    db.session.commit()
    make_post()
    deliver()
    [request] = receiver.requests
    with pytest.raises(WebhookVerificationError):
        Webhook(old_secret).verify(request.body, request.headers)
