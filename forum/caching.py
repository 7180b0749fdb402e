"""Caching: whole pages for visitors, ETags, and fingerprinted static files.

A view that may be served from the cache says so with one line, `@caching.for_visitors`, and
otherwise knows nothing of it. Its response is stored for visitors (signed-out people) under the
request (scheme, host, path, query string, Accept) and the site's *write version*: a random value
that every database commit replaces (a session `after_commit` hook), and so does a write elsewhere
that pages show (the search index calls `written()`). The version is read before the view reads the
database, and a stored page is served only while the version it was stored under is still the
current one: whatever a page shows, however it was written, a commit makes the next visitor's page
new. This is Discourse's anonymous cache; nothing finer lives anywhere else.

Never stored: a signed-in member's page (their votes, their bell), a page with a flash message, a
response that writes the session (a form's CSRF token: visitors' pages carry none), anything but a
200. The store is Flask-Caching's: Redis with REDIS_URL (every host shares pages and version), else
a folder of the instance that the workers of one host share. A store that fails is a miss, never an
error; a version that cannot be replaced is deleted, and otherwise lasts VERSION_TTL at most.

Every visitor's HTML response also gets an ETag, so a browser (or a shared cache: a visitor's page
sets no cookie) revalidates and gets a 304 while the page is the same. Members' pages are
`no-store`. Static files are linked as `static_url('css/forum.css')` ->
`/static/css/forum.css?v=<content hash>`, and such a URL is cached for a year: a changed file gets a
new URL.
"""

import functools
import hashlib
import logging
import secrets
from pathlib import Path

from flask import Flask, Response, current_app, has_app_context, request, session, url_for
from flask_caching import Cache
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

cache = Cache(with_jinja2_ext=False)
STATIC_MAX_AGE = 365 * 24 * 3600
READS = frozenset({"GET", "HEAD"})
# Should replacing and deleting the version both fail (a full disk, Redis gone), pages lag this long at most.
VERSION_TTL = 300
KEPT_HEADERS = frozenset({"content-type", "location"})


def init_app(app: Flask) -> None:
    cache.init_app(app)
    # Two sites (or a benchmark's databases) may share a Redis server or an instance folder.
    prefix = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:12]
    app.extensions["visitor_page_prefix"] = f"forum:{prefix}:"
    with app.app_context():
        written()  # a new deploy never serves the pages of the one before
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
    app.add_template_global(static_url)
    app.get_send_file_max_age = _static_max_age
    app.after_request(_cache_headers)


def for_visitors(view):
    """Serve visitors this view's response from the cache while nothing has been written since."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if request.method not in READS or "_flashes" in session or current_user.is_authenticated:
            return view(*args, **kwargs)
        prefix = current_app.extensions["visitor_page_prefix"]
        key = prefix + "page:" + hashlib.sha256(_request_key()).hexdigest()
        version, kept = _read(prefix + "version", key)
        if version is None:
            version = _new_version(prefix + "version")
        elif kept is not None and kept[0] == version:
            _, status, headers, body = kept
            return Response(body, status, headers)
        response = current_app.make_response(view(*args, **kwargs))
        if version is not None and _storable(response):
            headers = [(name, value) for name, value in response.headers if name.lower() in KEPT_HEADERS]
            _store(key, (version, response.status_code, headers, response.get_data()))
        return response

    return wrapper


def _request_key() -> bytes:
    parts = (request.scheme, request.host, request.path, request.query_string.decode(), request.headers.get("Accept"))
    return repr(parts).encode()


def _storable(response: Response) -> bool:
    return response.status_code == 200 and not response.is_streamed and not _sets_cookie(response)


def _sets_cookie(response: Response) -> bool:
    """Whether the response carries a cookie: its own, or the session's (saved after this app's hooks)."""
    return "Set-Cookie" in response.headers or current_app.session_interface.should_set_cookie(current_app, session)


def _read(version_key: str, page_key: str) -> tuple:
    try:
        return tuple(cache.get_many(version_key, page_key))
    except Exception:  # Redis down, a broken file: a miss
        log.warning("the visitor page cache cannot be read", exc_info=True)
        return None, None


def _store(key: str, value: tuple) -> None:
    try:
        cache.set(key, value)
    except Exception:
        log.warning("the visitor page cache cannot be written", exc_info=True)


def _new_version(key: str) -> str | None:
    """A new write version, set in the store; None when it cannot be (then nothing is stored)."""
    version = secrets.token_hex(16)  # random: a version once replaced never comes back
    try:
        if cache.set(key, version, timeout=VERSION_TTL) is not False:
            return version
    except Exception:
        pass
    log.warning("cannot replace the visitor pages' write version", exc_info=True)
    return None


def _after_commit(session: Session) -> None:
    written()


def written() -> None:
    """Something a visitor's page may show has changed: every commit calls this, and so does
    whatever writes elsewhere than the database (the search index, after the commit that changed it)."""
    if not has_app_context() or "visitor_page_prefix" not in current_app.extensions:
        return
    key = current_app.extensions["visitor_page_prefix"] + "version"
    if _new_version(key) is not None:
        return
    try:  # never fail a commit that has happened; without a version, no page is served
        cache.delete(key)
    except Exception:
        log.exception("cannot delete the visitor pages' write version either")


def static_url(filename: str) -> str:
    """The URL of a static file with its content's fingerprint."""
    path = Path(current_app.static_folder) / filename
    try:
        version = _fingerprint(str(path), path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


@functools.cache
def _fingerprint(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _static_max_age(filename: str | None) -> int | None:
    return STATIC_MAX_AGE if request.args.get("v") else None


def _cache_headers(response: Response) -> Response:
    if request.endpoint == "static":
        if request.args.get("v") and response.status_code in (200, 304):
            response.cache_control.immutable = True
        return response
    if request.method not in READS or response.mimetype != "text/html" or response.is_streamed:
        return response
    if response.cache_control.no_store:
        # Set by the page itself (the database-unavailable page): asking who is signed in would ask
        # the database again, and fail the request a second time.
        return response
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    # A page that writes the session (a flash shown, a form's token) is this visitor's own.
    response.headers["Cache-Control"] = "private, no-cache" if _sets_cookie(response) else "public, no-cache"
    response.vary.add("Cookie")
    if response.status_code == 200:
        response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
        response.make_conditional(request)
    return response
