"""HTTP caching: conditional GET for visitors' pages, and fingerprinted static files.

Visitors' pages get an ETag and `Cache-Control: private, no-cache`: the browser keeps the page but
asks every time, and a 304 saves the transfer when nothing changed. Because the browser revalidates on
each view, a vote or comment shows at once (the page, hence its ETag, changed). The ETag covers the page
without its signed CSRF token (re-signed every second) but with the session's raw token, so a cached
page never carries a token that belongs to another session. Pages for signed-in members carry their
votes and their token: those are never stored (`no-store`), nor given an ETag.

Static files are linked as `static_url('css/forum.css')` -> `/static/css/forum.css?v=<content hash>`;
a request carrying `v=` may be cached for a year, since a changed file gets a new URL.
"""

import hashlib
from functools import cache
from pathlib import Path

from flask import Flask, current_app, g, request, session, url_for
from flask_login import current_user

STATIC_MAX_AGE = 365 * 24 * 3600
READS = frozenset({"GET", "HEAD"})


def init_app(app: Flask) -> None:
    app.add_template_global(static_url)
    app.get_send_file_max_age = _static_max_age
    app.after_request(_cache_headers)


def static_url(filename: str) -> str:
    """The URL of a static file with its content's fingerprint."""
    path = Path(current_app.static_folder) / filename
    try:
        version = _fingerprint(str(path), path.stat().st_mtime_ns)
    except OSError:
        return url_for("static", filename=filename)
    return url_for("static", filename=filename, v=version)


@cache
def _fingerprint(path: str, mtime_ns: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def _static_max_age(filename: str | None) -> int | None:
    return STATIC_MAX_AGE if request.args.get("v") else None


def _cache_headers(response):
    if request.endpoint == "static":
        if request.args.get("v") and response.status_code in (200, 304):
            response.cache_control.immutable = True
        return response
    if request.method not in READS or response.mimetype != "text/html" or response.is_streamed:
        return response
    if current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, no-store"
        return response
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    if response.status_code != 200:
        return response
    body = response.get_data()
    token = g.get("csrf_token")
    if token:
        body = body.replace(token.encode(), b"")
    digest = hashlib.sha256(body)
    digest.update(str(session.get("csrf_token", "")).encode())
    response.set_etag(digest.hexdigest()[:32])
    return response.make_conditional(request)
