"""The address guard: names that resolve to loopback, private, link-local (metadata) or IPv6
loopback addresses are refused when an endpoint is saved and again when a delivery is sent; the
connection goes to the address that was checked, no redirect is followed, and time and answer
size are bounded."""

import pytest

from forum.extensions import db
from forum.models import Role, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from forum.services import webhooks
from forum.webhooks import transport
from forum.webhooks.transport import UnsafeTarget
from tests.webhooks.conftest import deliver

FORBIDDEN = {
    "loopback.example": "127.0.0.1",
    "private.example": "10.20.30.40",
    "metadata.example": "169.254.169.254",
    "six.example": "::1",
}


@pytest.mark.parametrize("name", list(FORBIDDEN))
def test_the_admin_form_refuses_a_name_resolving_to_a_forbidden_address(name, names, make_user, login_as, send):
    names.update(FORBIDDEN)
    login_as(make_user(Role.ADMIN))
    url = f"https://{name}/hooks"
    response = send("/admin/webhooks", {"url": url, "type": "standard", "events": ["post.created"], "enabled": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert f"resolves to {FORBIDDEN[name]}" in page and "webhooks may not be sent there" in page
    assert f'value="{url}"' in page  # what the admin typed is kept
    assert db.session.scalars(db.select(WebhookEndpoint)).all() == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://[::1]/", "http://169.254.169.254/latest/meta-data",
                                 "http://10.0.0.1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
                                 "http://224.0.0.1/"])  # fmt: skip
def test_literal_addresses_are_refused_too(url):
    with pytest.raises(UnsafeTarget):
        transport.check_url(url, allow_private=False)


def test_the_command_line_refuses_them_too(app, names):
    names.update(FORBIDDEN)
    result = app.test_cli_runner().invoke(
        args=["webhooks", "add", "http://metadata.example/x", "--events", "post.created"]
    )
    assert result.exit_code != 0
    assert "169.254.169.254" in result.output and "whsec_" not in result.output


def test_allowing_private_targets_still_refuses_metadata(app, names, monkeypatch):
    names.update(FORBIDDEN)
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    with app.app_context():
        for name in ("loopback.example", "private.example", "six.example"):
            webhooks.check_target(f"http://{name}/")
        with pytest.raises(UnsafeTarget, match="metadata"):
            webhooks.check_target("http://metadata.example/")


@pytest.mark.parametrize("name", list(FORBIDDEN))
def test_a_name_that_turns_forbidden_after_saving_is_refused_at_send_time(
    name, app, names, receiver, endpoint_for, make_post, monkeypatch
):
    """DNS rebinding: a public address when saved, a forbidden one when sent."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", False)
    names[name] = "93.184.215.14"  # public when saved: never connected to
    endpoint_for(f"http://{name}:{receiver.port}/hooks", ["post.created"])
    names[name] = FORBIDDEN[name]
    make_post()
    deliver()
    assert receiver.requests == []
    [attempt] = db.session.scalars(db.select(WebhookAttempt)).all()
    assert attempt.status_code is None
    assert attempt.error.startswith("Refused:") and FORBIDDEN[name] in attempt.error
    [delivery] = db.session.scalars(db.select(WebhookDelivery)).all()
    assert delivery.state == "pending" and delivery.next_attempt_at is not None  # retried later, as any failure


def test_the_connection_goes_to_the_checked_address_with_the_original_host(names, receiver, endpoint_for, make_post):
    names["hooks.example"] = "127.0.0.1"
    endpoint_for(f"http://hooks.example:{receiver.port}/in?token=abc", ["post.created"])
    make_post()
    deliver()
    [request] = receiver.requests
    assert request.headers["Host"] == f"hooks.example:{receiver.port}"
    assert request.path == "/in?token=abc"


def test_redirects_are_not_followed(receiver, other_receiver, endpoint_for, make_post):
    receiver.answer(307, headers={"Location": other_receiver.url})
    endpoint_for(receiver.url, ["post.created"])
    make_post()
    deliver()
    assert len(receiver.requests) == 1 and other_receiver.requests == []
    [delivery] = db.session.scalars(db.select(WebhookDelivery)).all()
    assert delivery.last_status == 307 and delivery.state == "pending"


def test_a_slow_receiver_times_out(receiver, endpoint_for, make_post, monkeypatch):
    monkeypatch.setattr(transport, "TIMEOUT_SECONDS", 0.3)
    receiver.delay = 1.0
    endpoint_for(receiver.url, ["post.created"])
    make_post()
    deliver()
    [attempt] = db.session.scalars(db.select(WebhookAttempt)).all()
    assert attempt.status_code is None and attempt.error.startswith("Timed out")
    assert attempt.duration_ms < 1000


def test_only_the_start_of_a_large_answer_is_read(app, receiver):
    receiver.answer(200, body=b"x" * 5_000_000)
    answer = transport.post(receiver.url, b"{}", {}, allow_private=True)
    assert answer.status == 200 and len(answer.body) == transport.MAX_RESPONSE_BYTES
