"""A local receiver on 127.0.0.1 that records what it is sent and answers as scripted, and a resolver
that gives test names the addresses a test needs."""

import contextlib
import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from forum.extensions import db
from forum.models import Role, WebhookEvent
from forum.services import webhooks


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    port: int
    requests: list = field(default_factory=list)
    # Each request takes the next answer (status, body, extra headers); the last one repeats.
    answers: list = field(default_factory=lambda: [(200, b"ok", {})])
    delay: float = 0.0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def answer(self, *statuses: int, body: bytes = b"", headers: dict | None = None) -> None:
        self.answers = [(status, body or f"answer {status}".encode(), headers or {}) for status in statuses]


def _start(receiver_factory):
    receiver = receiver_factory()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            if receiver.delay:
                time.sleep(receiver.delay)
            status, answer, extra = receiver.answers.pop(0) if len(receiver.answers) > 1 else receiver.answers[0]
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer)  # the sender may stop reading after its limit

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return receiver, server


@pytest.fixture
def receiver(app, monkeypatch):
    """A receiver on 127.0.0.1; WEBHOOKS_ALLOW_PRIVATE is on so that webhooks may reach it."""
    monkeypatch.setitem(app.config, "WEBHOOKS_ALLOW_PRIVATE", True)
    found, server = _start(lambda: Receiver(port=0))
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def other_receiver(receiver):
    found, server = _start(lambda: Receiver(port=0))
    yield found
    server.shutdown()
    server.server_close()


@pytest.fixture
def names(monkeypatch):
    """`names["hooks.example"] = "127.0.0.1"`: that name now resolves there (others as usual)."""
    table: dict[str, str] = {}
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        if host in table:
            address = table[host]
            family = socket.AF_INET6 if ":" in address else socket.AF_INET
            sockaddr = (address, port or 0, 0, 0) if family == socket.AF_INET6 else (address, port or 0)
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return table


@pytest.fixture
def endpoint_for(make_user):
    """An endpoint made as an admin would, subscribed to every event unless told otherwise."""

    def make(url, events=None, type_="standard"):
        admin = make_user(Role.ADMIN)
        endpoint, secret = webhooks.create_endpoint(admin, url, events or [e.value for e in WebhookEvent],
                                                    type_)  # fmt: skip
        db.session.commit()
        return endpoint, secret

    return make


def deliver(now=None) -> int:
    """Run the worker's webhook pass until nothing more is due at `now`."""
    total = 0
    while done := webhooks.deliver_due(now):
        total += done
    return total


def seed_endpoint(post_id: int) -> int:
    """An endpoint with a delivery that failed once, for the pages' checkers; returns its id. Nothing is
    sent to it: its retry is due in a day."""
    from datetime import timedelta

    from forum.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookSubscription, utcnow

    endpoint = WebhookEndpoint(url="https://hooks.example.com/tallybook", type="standard", secret=webhooks.new_secret(),
                               subscriptions=[WebhookSubscription(event="post.created")])  # fmt: skip
    db.session.add(endpoint)
    db.session.flush()
    failed = WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_seeded", event="post.created",
                             facts={"post_id": post_id}, state="pending", attempts=1, last_status=500,
                             next_attempt_at=utcnow() + timedelta(days=1))  # fmt: skip
    db.session.add(failed)
    db.session.flush()
    db.session.add(WebhookAttempt(delivery_id=failed.id, status_code=500, response_snippet="<h1>Bad gateway</h1>",
                                  duration_ms=12))  # fmt: skip
    db.session.commit()
    return endpoint.id
