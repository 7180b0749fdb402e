"""The webhook deliveries ride the email outbox's workers: an RQ job on the real Redis, and HTTPS to a
pinned address with the original name in SNI and the certificate check."""

import os
import shutil
import ssl
import subprocess

import pytest

from forum.extensions import db
from forum.models import WebhookAttempt, WebhookDelivery
from forum.services import delivery
from forum.webhooks import transport
from tests.webhooks.conftest import Receiver, deliver


def test_an_rq_job_delivers_webhooks_and_emails_together(app, receiver, endpoint_for, make_post):
    from rq import Queue, SimpleWorker

    from tests.conftest import live_redis

    connection = live_redis("redis://127.0.0.1:6379/14")
    queue = Queue(f"webhooks-test-{os.getpid()}", connection=connection)
    queue.empty()
    endpoint_for(receiver.url, ["post.created"])
    make_post(title="Through Redis")
    job = queue.enqueue(delivery.run_job)
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert [r.json["data"]["post"]["title"] for r in receiver.requests] == ["Through Redis"]
    queue.delete(delete_jobs=True)


@pytest.fixture
def tls_receiver(tmp_path, receiver, monkeypatch):
    """A receiver over HTTPS whose certificate names hooks.example, and a CA bundle that trusts it."""
    if shutil.which("openssl") is None:
        pytest.fail("openssl is needed to make the test certificate (Debian's openssl package)")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
         "-days", "1", "-subj", "/CN=hooks.example", "-addext", "subjectAltName=DNS:hooks.example"],
        check=True, capture_output=True,
    )  # fmt: skip
    from tests.webhooks.conftest import _start

    found, server = _start(lambda: Receiver(port=0))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    monkeypatch.setattr(transport, "CA_CERTS", str(cert))
    yield found
    server.shutdown()
    server.server_close()


def test_https_connects_to_the_pinned_address_and_checks_the_original_name(
    names, tls_receiver, endpoint_for, make_post
):
    names["hooks.example"] = "127.0.0.1"
    endpoint_for(f"https://hooks.example:{tls_receiver.port}/in", ["post.created"])
    make_post()
    deliver()
    [request] = tls_receiver.requests
    assert request.headers["Host"] == f"hooks.example:{tls_receiver.port}"
    assert db.session.scalars(db.select(WebhookDelivery.state)).one() == "delivered"


def test_https_refuses_a_certificate_for_another_name(names, tls_receiver, endpoint_for, make_post):
    names["elsewhere.example"] = "127.0.0.1"
    endpoint_for(f"https://elsewhere.example:{tls_receiver.port}/in", ["post.created"])
    make_post()
    deliver()
    assert tls_receiver.requests == []
    [attempt] = db.session.scalars(db.select(WebhookAttempt)).all()
    assert attempt.status_code is None and "SSLError" in attempt.error and "doesn't match" in attempt.error
