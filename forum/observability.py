"""What an operator sees: a request id on every answer and log line, JSON logs, `/readyz`, `/metrics`.

Metrics come from prometheus_client. Under gunicorn each worker is a process of its own, so with
PROMETHEUS_MULTIPROC_DIR set (before the app is imported, as the service definitions in docs/DEPLOY.md
do) every worker writes its counts to files in that folder and `/metrics`, whichever worker answers it,
adds them all up; gunicorn.conf.py forgets a dead worker's gauges. Without it (`flask run`, tests) the
counts are this process's own.

Two kinds of figures: what happens in a process (requests, their duration, connections in use, votes,
posts and comments committed) is counted as it happens; what the database holds for every server alike
(the email outbox) is read from it when `/metrics` is asked, so any one server's answer tells the whole.
"""

import ipaddress
import logging
import re
import sys
import time
import uuid
from collections import Counter as Tally
from datetime import UTC, datetime

from flask import Flask, Response, current_app, g, has_request_context, jsonify, request
from flask.logging import default_handler
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import GaugeMetricFamily
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import Comment, EmailMode, OutboxMessage, Post

log = logging.getLogger(__name__)

# An incoming X-Request-ID (from nginx's $request_id, a load balancer, a client) is kept when it is
# plainly an identifier; anything else could smuggle text into logs and headers, so a new one is made.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,128}")
# Seconds: a page slower than the last bucket is a problem whatever it is.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUESTS = Counter(
    "forum_requests", "Requests answered, by endpoint, method and status.", ["endpoint", "method", "status"]
)
LATENCY = Histogram(
    "forum_request_duration_seconds", "Time to answer a request, by endpoint.", ["endpoint"], buckets=LATENCY_BUCKETS
)
CONNECTIONS_IN_USE = Gauge(
    "forum_db_connections_in_use", "Database connections checked out of the pools.", multiprocess_mode="livesum"
)
POOL_CAPACITY = Gauge(
    "forum_db_pool_capacity", "Connections the pools may open (size plus overflow).", multiprocess_mode="livesum"
)
WRITTEN = Counter("forum_written", "Votes, posts and comments committed.", ["kind"])


def init_app(app: Flask) -> None:
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
    app.context_processor(lambda: {"request_id": request_id() if has_request_context() else None})
    app.add_url_rule("/readyz", "readyz", readyz)
    app.add_url_rule("/metrics", "metrics", metrics)
    if not app.testing:
        configure_logging(app.config["LOG_FORMAT"])
    with app.app_context():
        _watch_pool(db.engine)


# -- request ids and logs ------------------------------------------------------------------------
def request_id() -> str:
    """This request's id: the proxy's X-Request-ID when sane, else a new one (kept in `g`)."""
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if SANE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
    return g.request_id


class _RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id() if has_request_context() else None
        return True


def log_handler(stream=None, log_format: str = "json") -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    if log_format == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
                timestamp=False,
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"))
    handler.addFilter(_RequestIdFilter())
    handler.forum_handler = True
    return handler


def configure_logging(log_format: str) -> None:
    """The app's log lines (logger `forum` and below) to stderr, where gunicorn and systemd keep them."""
    logger = logging.getLogger("forum")
    for old in [h for h in logger.handlers if getattr(h, "forum_handler", False) or h is default_handler]:
        logger.removeHandler(old)
    logger.addHandler(log_handler(log_format=log_format))
    logger.setLevel(logging.INFO)


def _start():
    g.started = time.perf_counter()
    request_id()


def _finish(response: Response) -> Response:
    response.headers["X-Request-ID"] = request_id()
    endpoint = request.url_rule.endpoint if request.url_rule else "none"
    if "started" in g:
        elapsed = time.perf_counter() - g.started
        LATENCY.labels(endpoint).observe(elapsed)
        logging.getLogger("forum.requests").info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={"status": response.status_code, "duration_ms": round(elapsed * 1000, 1),
                   "endpoint": endpoint, "remote_addr": request.remote_addr},
        )  # fmt: skip
    REQUESTS.labels(endpoint, request.method, str(response.status_code)).inc()
    return response


# -- counts kept as things happen ----------------------------------------------------------------
def _watch_pool(engine) -> None:
    if getattr(engine, "_forum_watched", False):
        return
    engine._forum_watched = True
    pool = engine.pool
    if hasattr(pool, "size") and hasattr(pool, "_max_overflow"):
        POOL_CAPACITY.inc(pool.size() + max(pool._max_overflow, 0))
    event.listen(engine, "checkout", lambda *args: CONNECTIONS_IN_USE.inc())
    event.listen(engine, "checkin", lambda *args: CONNECTIONS_IN_USE.dec())


def written(session: Session, kind: str) -> None:
    """Count `kind` (votes, posts, comments) once the session's transaction commits."""
    session.info.setdefault("written", Tally())[kind] += 1


@event.listens_for(Session, "after_flush")
def _note_new_rows(session, flush_context):
    for row in session.new:
        if isinstance(row, Post):
            written(session, "posts")
        elif isinstance(row, Comment):
            written(session, "comments")


@event.listens_for(Session, "after_commit")
def _count_committed(session):
    for kind, count in session.info.pop("written", {}).items():
        WRITTEN.labels(kind).inc(count)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session):
    session.info.pop("written", None)


# -- counts read from the database at each scrape ----------------------------------------------------
class _SharedState:
    """The outbox and the search index, as every server sees them."""

    def collect(self):
        pending = GaugeMetricFamily("forum_outbox_pending", "Instant emails waiting to be sent.")
        oldest = GaugeMetricFamily("forum_outbox_oldest_age_seconds", "Age of the oldest instant email waiting.")
        failing = GaugeMetricFamily(
            "forum_outbox_failing", "Emails waiting whose last delivery attempt failed (to be retried)."
        )
        dead = GaugeMetricFamily("forum_outbox_dead", "Emails given up after repeated failures.")
        waiting = (OutboxMessage.sent_at.is_(None), OutboxMessage.dead_at.is_(None))
        count, first = db.session.execute(
            select(func.count(), func.min(OutboxMessage.created_at)).where(
                *waiting, OutboxMessage.kind == EmailMode.INSTANT.value
            )
        ).one()
        pending.add_metric([], count)
        oldest.add_metric([], (datetime.now(UTC) - first).total_seconds() if first else 0)
        failing.add_metric(
            [], db.session.scalar(select(func.count()).where(*waiting, OutboxMessage.last_error.is_not(None)))
        )
        dead.add_metric([], db.session.scalar(select(func.count()).where(OutboxMessage.dead_at.is_not(None))))
        yield from (pending, oldest, failing, dead)
        lag = search_lag()
        if lag is not None:
            family = GaugeMetricFamily("forum_search_index_lag_posts", "Posts changed but not yet in the index.")
            family.add_metric([], lag)
            yield family


def search_lag() -> int | None:
    from forum import search

    pending = getattr(search.backend(), "pending", None)
    return pending() if pending else 0


def metrics():
    if not _allowed(request.remote_addr):
        return current_app.make_response(("Not found\n", 404, {"Content-Type": "text/plain"}))
    if values.ValueClass is not values.MutexValue:  # multiprocess mode: add up every worker's files
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    shared = CollectorRegistry()
    shared.register(_SharedState())
    body += generate_latest(shared)
    return Response(body, headers={"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})


def _allowed(address: str | None) -> bool:
    try:
        client = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    for allowed in current_app.config["METRICS_ALLOWED_IPS"]:
        try:
            if client in ipaddress.ip_network(allowed, strict=False):
                return True
        except ValueError:
            log.warning("METRICS_ALLOWED_IPS holds %r, which is no address or network", allowed)
    return False


# -- readiness -----------------------------------------------------------------------------------
def readyz():
    """Whether this server can serve: its database, Redis when configured, the search index.
    503 names what failed, so a load balancer takes the server out and a person sees why."""
    checks: dict[str, str] = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception as error:
        db.session.rollback()
        checks["database"] = _reason(error)
    if current_app.config.get("REDIS_URL"):
        try:
            from redis import Redis

            Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=1, socket_connect_timeout=1).ping()
            checks["redis"] = "ok"
        except Exception as error:
            checks["redis"] = _reason(error)
    # Degraded: serving, but short of something (a search index that cannot be written answers from
    # what it holds). A load balancer keeps the server; an operator sees why.
    degraded: dict[str, str] = {}
    try:
        from forum import search

        backend = search.backend()
        backend.warm()
        checks["search"] = "ok"
        if reason := backend.degraded():
            degraded["search"] = reason
    except Exception as error:
        checks["search"] = _reason(error)
    failed = sorted(name for name, result in checks.items() if result != "ok")
    # Similar posts work either way: without the sentence model they are lexical (forum/semantic).
    from forum import semantic

    if lexical := semantic.problem():
        degraded["similar_posts"] = f"lexical matching ({lexical})"
    body = {"status": "not ready" if failed else "ready", "failed": failed, "checks": checks, "degraded": degraded}
    return jsonify(body), 503 if failed else 200


def _reason(error: Exception) -> str:
    first_line = (str(getattr(error, "orig", None) or error).strip().splitlines() or [""])[0]
    return f"{type(error).__name__}: {first_line}"[:300]
