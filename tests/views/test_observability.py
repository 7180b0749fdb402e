"""What an operator relies on: /healthz, /readyz, /metrics, request ids, JSON logs, and the 503 page
a visitor sees while the database cannot be reached."""

import io
import json
import logging
import re
import time
from datetime import timedelta

import pytest

from forum import create_app, observability
from forum.extensions import db
from forum.models import EmailMode, Notification, OutboxMessage, utcnow
from tests.conftest import TEST_DATABASE


def metric(body: str, name: str, **labels) -> float:
    """The value of one sample in Prometheus' text format (0 when absent)."""
    wanted = ",".join(f'{key}="{value}"' for key, value in labels.items())
    pattern = "^" + re.escape(name) + (r"\{" + re.escape(wanted) + r"\}" if wanted else "") + r" (\S+)$"
    found = re.search(pattern, body, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_healthz_and_readyz_answer_while_everything_works(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json() == {
        "status": "ready",
        "failed": [],
        "checks": {"database": "ok", "search": "ok"},
        "degraded": {},
    }


@pytest.fixture
def unreachable(app, tmp_path):
    """The same site, configured with a database and a Redis that do not answer."""
    if TEST_DATABASE == "postgresql":
        # Port 1 refuses at once; the connect timeout bounds a database that does not answer at all.
        url = "postgresql+psycopg://postgres@127.0.0.1:1/test"
        options = {"pool_pre_ping": True, "connect_args": {"connect_timeout": 2}}
    else:
        url = "sqlite:///" + str(tmp_path / "no-such-folder" / "forum.db")
        options = {"pool_pre_ping": True}
    broken = create_app(
        {
            **app.config,
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": options,
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "RATELIMIT_STORAGE_URI": "memory://",  # the limiter is one object: keep the other tests' storage
            "DELIVERY": "manual",
            "WTF_CSRF_ENABLED": False,  # the form below must reach the database to be refused there
        }
    )
    yield broken
    with broken.app_context():
        db.engine.dispose()


def test_readyz_names_what_failed(unreachable):
    answer = unreachable.test_client().get("/readyz")
    assert answer.status_code == 503
    body = answer.get_json()
    assert body["status"] == "not ready"
    assert body["failed"] == ["database", "redis"]
    assert body["checks"]["search"] == "ok"
    assert body["checks"]["database"].startswith("OperationalError")


def test_an_unreachable_database_gives_a_try_again_page_quickly(unreachable):
    client = unreachable.test_client()
    started = time.monotonic()
    page = client.get("/")
    assert time.monotonic() - started < 5
    assert page.status_code == 503
    text = page.get_data(as_text=True)
    assert "try again in a moment" in text
    assert page.headers["Retry-After"] == "5"
    assert page.headers["X-Request-ID"] in text  # the reference quoted on the page
    # A member's text is shown back, as on every other error page.
    with client.session_transaction() as session:
        session["_user_id"] = "1:0"
    sent = client.post("/posts", data={"title": "Export is broken", "body": "It fails every Monday."})
    assert sent.status_code == 503
    assert "It fails every Monday." in sent.get_data(as_text=True)
    assert client.get("/", headers={"Accept": "application/json"}).get_json() == {
        "error": "The site cannot reach its database right now. Please try again in a moment."
    }


def test_a_request_id_is_made_or_kept_and_shown_on_error_pages(client):
    made = client.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
    assert client.get("/").headers["X-Request-ID"] != made.headers["X-Request-ID"]
    kept = client.get("/", headers={"X-Request-ID": "nginx-5f2b9c1e0d"})
    assert kept.headers["X-Request-ID"] == "nginx-5f2b9c1e0d"
    forged = client.get("/", headers={"X-Request-ID": "<script>alert(1)</script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    missing = client.get("/posts/999999", headers={"X-Request-ID": "trace-12345678"})
    assert missing.status_code == 404
    assert "trace-12345678" in missing.get_data(as_text=True)


def test_log_lines_are_json_with_the_request_id(client):
    stream = io.StringIO()
    handler = observability.log_handler(stream)
    logger = logging.getLogger("forum.requests")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        answer = client.get("/roadmap", headers={"X-Request-ID": "roadmap-check-1"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)
    line = json.loads(stream.getvalue().splitlines()[-1])
    assert answer.status_code == 200
    assert line["request_id"] == "roadmap-check-1"
    assert line["message"] == "GET /roadmap 200"
    assert line["status"] == 200
    assert line["endpoint"] == "roadmap.index"
    assert line["level"] == "INFO"


def test_metrics_are_only_for_allowed_addresses(client):
    assert client.get("/metrics").status_code == 200  # the test client calls from 127.0.0.1
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 404
    assert "forum_requests" not in outside.get_data(as_text=True)


def test_metrics_count_requests_writes_and_the_waiting_outbox(client, app, make_user, make_post, login_as):
    before = client.get("/metrics").get_data(as_text=True)
    post = make_post()
    voter = make_user()
    login_as(voter)
    client.post(f"/posts/{post.id}/vote", headers={"Accept": "application/json"})
    client.get("/roadmap")
    notification = Notification(user_id=voter.id, post_id=post.id, event="status", summary="Planned")
    db.session.add(notification)
    db.session.flush()
    db.session.add(
        OutboxMessage(
            notification_id=notification.id,
            user_id=voter.id,
            kind=EmailMode.INSTANT.value,
            created_at=utcnow() - timedelta(minutes=10),
        )
    )
    db.session.commit()

    after = client.get("/metrics").get_data(as_text=True)
    assert metric(after, "forum_written_total", kind="votes") == metric(before, "forum_written_total", kind="votes") + 1
    assert metric(after, "forum_written_total", kind="posts") == metric(before, "forum_written_total", kind="posts") + 1
    roadmap = {"endpoint": "roadmap.index", "method": "GET", "status": "200"}
    assert metric(after, "forum_requests_total", **roadmap) == metric(before, "forum_requests_total", **roadmap) + 1
    assert metric(after, "forum_request_duration_seconds_count", endpoint="roadmap.index") >= 1
    assert metric(after, "forum_outbox_pending") == 1
    assert metric(after, "forum_outbox_oldest_age_seconds") >= 600
    assert metric(after, "forum_outbox_dead") == 0
    assert metric(after, "forum_search_index_lag_posts") == 0
    assert metric(after, "forum_db_pool_capacity") >= 1
    assert "forum_db_connections_in_use" in after
