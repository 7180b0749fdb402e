"""Site-wide web plumbing: security headers, error pages, template helpers, health."""

import time
from datetime import UTC, datetime

from flask import Flask, Response, has_request_context, jsonify, make_response, render_template, request
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFError
from markupsafe import Markup
from sqlalchemy import text
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, MethodNotAllowed, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import caching, markup
from forum.api import API_PREFIX, error_reply, is_api_request
from forum.extensions import db
from forum.links import absolute_url
from forum.models import statuses, tags
from forum.permissions import guardian, team_badge
from forum.services.insights import humanize

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)

ERROR_TEXT = {
    400: ("Something in that request was not right", "Check what you sent and try again."),
    403: ("You may not do that", "Your account does not have permission for this action."),
    404: ("We could not find that page", "It may have been moved or deleted, or the address is mistyped."),
    405: ("That is not how this page works", "This address does not accept that kind of request."),
    409: ("That cannot be done right now", "The item changed in a way that prevents this action."),
    413: ("That was too big", "What you sent is larger than this site accepts. Shorten it and try again."),
    422: ("Please check the form", "Some of what you entered could not be accepted."),
    429: ("Slow down a little", "You have made too many requests in a short time."),
    500: ("Something went wrong on our side", "The error has been logged. Please try again in a moment."),
}
# A write that met others at the same moment and was cancelled, nothing saved (a 409, as a merge that
# meets a vote): PostgreSQL's deadlock, serialization failure and lock timeout, SQLite's busy timeout.
CONFLICT_SQLSTATES = frozenset({"40P01", "40001", "55P03"})
# Fields echoed back on an error page so that no typed text is ever lost.
KEPT_FIELDS = ("title", "body")


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure whenever the page came over HTTPS, even if
    SESSION_COOKIE_SECURE was forgotten."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or (has_request_context() and request.is_secure)

    def open_session(self, app: Flask, request):
        # The API (forum/api/) honours no cookie: only its Bearer key says who calls.
        if request.path.startswith(API_PREFIX):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session, response) -> None:
        if has_request_context() and request.path.startswith(API_PREFIX):
            return  # and sets none
        super().save_session(app, session, response)


def init_app(app: Flask) -> None:
    app.session_interface = SessionInterface()
    if app.config.get("TRUST_PROXY_HEADERS"):
        # Behind one reverse proxy (nginx, a load balancer): believe its X-Forwarded-For and -Proto,
        # so the client's address (rate limits) and HTTPS (secure cookies) are seen. Not
        # X-Forwarded-Host: a client can send one, and the proxy passes the real Host itself.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1)
    app.wsgi_app = _AsciiQueryString(app.wsgi_app)
    app.before_request(_json_body_is_an_object)
    app.after_request(_security_headers)
    app.after_request(_close_what_is_streamed)
    # Registered after Flask-SQLAlchemy's own: Flask runs the later one first.
    app.teardown_appcontext(_end_session_even_if_the_database_is_gone)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(Exception, _server_error)
    app.context_processor(lambda: {"guardian": guardian(), "now": datetime.now(UTC)})
    app.add_template_global(team_badge, "team_badge")
    app.add_template_filter(relative_time)
    app.add_template_global(absolute_url, "absolute_url")  # canonical and shared links: from SITE_URL
    app.add_template_global(markup.first_line, "first_line")
    # A status's label, colour and kind by slug, and the statuses in the admins' order.
    app.add_template_global(lambda slug: statuses().get(slug), "status_of")
    app.add_template_global(statuses, "all_statuses")
    app.add_template_global(tags, "all_tags")
    app.add_template_filter(_iso, "iso")
    app.add_template_filter(_date, "date")
    app.add_template_filter(_day, "day")
    app.add_template_filter(humanize, "duration")
    app.add_url_rule("/healthz", "healthz", _healthz)
    caching.init_app(app)


class _AsciiQueryString:
    """WSGI middleware: percent-escape raw non-ASCII bytes in the query string.

    Browsers always escape them, but any client can send a raw byte 0x80; Werkzeug decodes the
    query string strictly as UTF-8 (request.args, request.full_path) and would raise a
    UnicodeDecodeError, a 500 even on the error page. Escaped, invalid UTF-8 reads as U+FFFD.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING", "")
        if not query.isascii():
            # WSGI hands the raw bytes over as latin-1 text; anything beyond it came from a confused server.
            raw = query.encode("latin-1") if max(map(ord, query)) < 256 else query.encode("utf-8", "surrogatepass")
            environ["QUERY_STRING"] = "".join(chr(b) if b < 128 else f"%{b:02X}" for b in raw)
        return self.wsgi_app(environ, start_response)


def _end_session_even_if_the_database_is_gone(error: BaseException | None) -> None:
    """Closing the session rolls its transaction back; on a connection the database dropped (a
    restart) that ROLLBACK fails, and the failure escaped the request as a bare 500 after its 503
    page was made. The connection is thrown away instead: the pool opens a new one when it can."""
    try:
        db.session.remove()
    except (OperationalError, InterfaceError):
        db.session().invalidate()
        db.session.remove()


def _json_body_is_an_object():
    """Forms take a JSON body as their fields (Flask-WTF builds a MultiDict of it); a body that is JSON
    but no object (`0`, `[]`, `"x"`) made that raise TypeError, a 500 (found by tests/views/test_fuzz.py).
    Malformed JSON already gets Werkzeug's 400."""
    if request.is_json:
        body = request.get_json(silent=True)
        if body is not None and not isinstance(body, dict):
            return error_response(400, 'A JSON body here must be an object of the form\'s fields, like {"body": "…"}.')
    return None


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def _close_what_is_streamed(response):
    """A streamed body (a static file, a CSV export) is closed when the response is, even once
    Flask-Compress has wrapped it in its compressing generator, which does not close what it reads: the
    file would stay open until the garbage collector found it. Runs before Flask-Compress (registered
    after it)."""
    close = getattr(response.response, "close", None) if response.is_streamed else None
    if close is not None:
        response.call_on_close(close)
    return response


def whole_number(text: str | None, low: int = 0, high: int = 2**31 - 1) -> int | None:
    """The number written in `text` with the digits 0-9 only, if it lies in [low, high], else None.
    str.isdigit() also accepts "²" or "①", on which int() raises: a 500 for `?page=²`. The default
    high is the largest id PostgreSQL stores."""
    if not text or len(text) > 18 or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if low <= number <= high else None


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def error_response(code: int, message: str | None = None, retry_after: str | None = None):
    title, default_message = ERROR_TEXT.get(code, ERROR_TEXT[500 if code >= 500 else 400])
    message = message or default_message
    if is_api_request():
        return error_reply(code, f"{message} {retry_after}" if retry_after else message)
    if wants_json():
        return jsonify({"error": f"{message} {retry_after}" if retry_after else message}), code
    kept = _kept_text() if code != 413 else {}
    html = render_template(
        "errors/error.html", code=code, title=title, message=message, kept=kept, retry_after=retry_after
    )
    return html, code


def _kept_text() -> dict[str, str]:
    try:
        return {name: request.form[name] for name in KEPT_FIELDS if request.form.get(name)}
    except HTTPException:  # the form itself could not be read
        return {}


def _http_error(error: HTTPException):
    if error.code is None or error.code < 400:
        return error
    if isinstance(error, SecurityError):
        # A Host header outside TRUSTED_HOSTS: no address can be built for it, so no page template.
        return Response(
            "This site does not answer to that host name.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
        )
    if error.code == 429:
        return error_response(429, retry_after=_retry_after(error))
    custom = error.description if error.description != type(error).description else None
    response = make_response(error_response(error.code, custom))
    if error.code == 401:
        return error
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))  # RFC 9110: a 405 names what works
    return response


def _retry_after(error) -> str:
    """When the breached limit lets this client in again, in words."""
    from forum.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return "Try again in a minute."
    seconds = max(1, int(current.reset_at - time.time()) + 1)
    if seconds < 90:
        wait = f"{seconds} seconds"
    elif seconds < 5400:
        wait = f"{round(seconds / 60)} minutes"
    else:
        wait = f"{round(seconds / 3600)} hours"
    at = datetime.fromtimestamp(current.reset_at, UTC).strftime("%H:%M UTC")
    return f"Try again in {wait} (at {at}). The limit here is {current.limit}."


def _csrf_error(error: CSRFError):
    return error_response(
        400, "This form had expired or came from another site, so nothing was saved. Go back and send it again."
    )


def _server_error(error: Exception):
    if isinstance(error, HTTPException):
        return _http_error(error)
    try:
        db.session.rollback()
    except Exception:  # a connection the database dropped cannot even roll back; the pool replaces it
        db.session.remove()
    from flask import current_app

    if _write_conflict(error):
        current_app.logger.warning("Write conflict on %s %s: %s", request.method, request.path, error.orig)
        return error_response(
            409,
            "Someone else changed the same thing at that very moment, so this was cancelled.",
            retry_after="Nothing was saved: it is safe to send it again.",
        )
    if isinstance(error, OperationalError | InterfaceError | PoolTimeout):
        current_app.logger.error("Database unavailable on %s %s: %s", request.method, request.path, error)
        return _unavailable()
    current_app.logger.exception("Unhandled error on %s %s", request.method, request.path)
    return error_response(500)


def _unavailable():
    """The 503 for a database that cannot be reached (down, restarting, every connection busy).
    Rendered without the context processors: they would ask the database who is signed in."""
    from flask import current_app

    from forum.caching import static_url
    from forum.observability import request_id

    retry = {"Retry-After": "5", "Cache-Control": "no-store"}
    message = "The site cannot reach its database right now. Please try again in a moment."
    if is_api_request():
        return error_reply(503, message, retry)
    if wants_json():
        return jsonify({"error": message}), 503, retry
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(
        site_name=current_app.config["SITE_NAME"],
        stylesheet=static_url("css/forum.css"),
        kept=_kept_text(),
        request_id=request_id(),
    )
    return page, 503, retry


def _write_conflict(error: Exception) -> bool:
    if not isinstance(error, OperationalError):
        return False
    return getattr(error.orig, "sqlstate", None) in CONFLICT_SQLSTATES or "database is locked" in str(error.orig)


# The pages a worker serves most, and what they extend and import, compiled at its start.
BUSIEST_TEMPLATES = ("base.html", "_macros.html", "posts/index.html", "posts/show.html", "posts/_thread.html",
                     "search/results.html", "roadmap/index.html")  # fmt: skip


def warm_up(app: Flask) -> None:
    """Build in a server's worker, before it takes a request, what its first requests would build:
    the busiest pages' templates and the search index's reader, which made a worker's first search
    many times slower than its next ones. Called by gunicorn's `post_worker_init`
    (gunicorn.conf.py) rather than at import: commands import the app too, and need neither. A
    failure is logged and the worker serves anyway, as it would have without it."""
    try:
        for name in BUSIEST_TEMPLATES:
            app.jinja_env.get_template(name)
        with app.app_context():
            from forum import search

            search.backend().warm()
        from forum import semantic

        semantic.warm(app)  # the model and the vectors, before the first title is typed
    except Exception:
        app.logger.exception("warming up the worker failed")


def _healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}


def relative_time(moment: datetime | None) -> Markup:
    """`<time>` with the moment in UTC, which static/js/forum.js shows as "5 minutes ago": the page
    itself never says how long ago, so a cached page never goes stale, and without JavaScript the
    date shows."""
    if moment is None:
        return Markup("")
    return Markup('<time class="relative-time" datetime="{}">{}</time>').format(_iso(moment), _date(moment))


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _day(moment: datetime | None) -> str:
    return moment.strftime("%-d %B %Y") if moment else ""


def _date(moment: datetime | None) -> str:
    return moment.strftime("%-d %b %Y, %H:%M UTC") if moment else ""
