"""HTTP caching: conditional GET for visitors' pages, and fingerprinted static files.

Visitors' pages get an ETag and `Cache-Control: private, no-cache`: the browser keeps the page but
asks every time, and a 304 saves the transfer when nothing changed. Because the browser revalidates on
each view, a vote or comment shows at once (the page, hence its ETag, changed). The ETag covers the page
without its signed CSRF token (re-signed every second) but with the session's raw token, so a cached
page never carries a token that belongs to another session. Pages for signed-in members carry their
votes and their token: those are never stored (`no-store`), nor given an ETag.

Static files are linked as `static_url('css/forum.css')` -> `/static/css/forum.css?v=<content hash>`;
a request carrying `v=` may be cached for a year, since a changed file gets a new URL.

Busy lists are also kept rendered for visitors (`for_visitors`), by each process and, once writes
have settled, in a folder shared by the processes of the host (`VisitorPages`): the view reads the
rows the page shows (cheap, indexed, plain values), and the rendered page is stored under the address
*and those rows*. A vote, an edit or a new post changes the rows, hence the key, so a stored page is
never stale; it is only reused while what it shows is exactly what the database holds, and while its
"5 minutes ago" texts stay true: each tells how long (`true_for`), and the page is kept no longer (a
list of posts from last week for hours, a "just now" for a minute). Members' pages (their votes,
their bell) and pages carrying a flash message are always rendered.

A page kept that way still costs the queries that read its rows. On top of it, `kept_for_visitors`
serves a page *without touching the database* while nothing at all has been written since it was
rendered: every commit of a database session, in any worker (and in `flask` commands), replaces a
random stamp in a file of the instance folder (`WriteStamp`), and a page is served straight from memory
only while the stamp it was rendered under is still the file's. The stamp is read before the page's
rows, and replaced after the commit, so a page can be older than the stamp, never newer. When the
stamp has moved, the view reads its rows and the kept page is used only if they are the same, as
above. The file is shared by the workers of one host; with REDIS_URL set the stamp lives in Redis instead
(`RedisStamp`), shared by every host.
"""

import functools
import hashlib
import hmac
import logging
import math
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import is_dataclass
from datetime import date
from functools import cache
from pathlib import Path

import diskcache
from cachetools import LRUCache
from flask import Flask, current_app, g, has_app_context, request, session, url_for
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

STATIC_MAX_AGE = 365 * 24 * 3600
READS = frozenset({"GET", "HEAD"})
# Seconds a page is served without reading its rows while the write stamp stands: only a stamp that
# could not be replaced nor removed after a commit (a broken disk) lets a page lag, and no longer.
UNREAD_FOR = 300
# Seconds without a write after which the workers share their visitors' pages (VisitorPages.settled).
SETTLED_AFTER = 1.0
SHARED_TIMEOUT = 0.05  # seconds a read or write of the shared pages waits for another process's write


def init_app(app: Flask) -> None:
    if app.config.get("REDIS_URL"):
        database = hashlib.sha256(app.config["SQLALCHEMY_DATABASE_URI"].encode()).hexdigest()[:16]
        stamp = RedisStamp(app.config["REDIS_URL"], f"forum:visitor-pages-stamp:{database}")
    else:
        stamp = WriteStamp(app.config["VISITOR_PAGE_STAMP"])
    shared = None
    if app.config["VISITOR_PAGE_CACHE_MB"] and app.config["VISITOR_PAGE_SHARED_MB"]:
        shared = _open_shared(app.config["VISITOR_PAGE_DIR"], app.config["VISITOR_PAGE_SHARED_MB"])
    slot = hmac.new(str(app.config["SECRET_KEY"]).encode(), b"visitor page token slot", "sha256").hexdigest()[:32]
    app.extensions["visitor_pages"] = VisitorPages(
        app.config["VISITOR_PAGE_CACHE_MB"], stamp, token_slot=slot, version=_version(app), shared=shared
    )
    if not event.contains(Session, "after_commit", _stamp_commit):
        event.listen(Session, "after_commit", _stamp_commit)
    app.add_template_global(static_url)
    app.get_send_file_max_age = _static_max_age
    app.after_request(_cache_headers)


def _open_shared(folder: str, megabytes: int) -> diskcache.Cache | None:
    """The folder of the pages shared by this host's processes, or None (each keeps its own) if it
    cannot be opened. A busy folder makes a read or a write wait SHARED_TIMEOUT at most, then go
    without; opening it writes too, and the workers of a server all open it as they start, so that is
    tried again for a second."""
    error: Exception | None = None
    for _ in range(20):
        try:
            return diskcache.Cache(folder, size_limit=megabytes * 1_000_000, timeout=SHARED_TIMEOUT)
        except diskcache.Timeout as busy:
            error = busy
            time.sleep(SHARED_TIMEOUT)
        except (OSError, sqlite3.Error) as failed:  # a read-only instance folder, a full disk
            error = failed
            break
    log.warning("cannot open the shared visitor pages in %s: %r", folder, error)
    return None


def _version(app: Flask) -> bytes:
    """What a page is rendered with besides its data: the code, templates and static files (by name,
    size and time of change) and the plain settings. Part of every kept page's key."""
    version = hashlib.blake2b(digest_size=16)
    roots = [
        Path(__file__).parent,
        Path(app.root_path, app.template_folder or "templates"),
        Path(app.static_folder or "static"),
    ]
    for root in roots:
        for path in sorted(root.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                found = path.stat()
                version.update(f"{path}\0{found.st_size}\0{found.st_mtime_ns}\n".encode())
    plain = sorted((k, v) for k, v in app.config.items() if isinstance(v, str | int | float | bool | None))
    version.update(repr(plain).encode())
    return version.digest()


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


def _stamp_commit(session: Session) -> None:
    written()


def written() -> None:
    """Something a visitor's page may show has changed: every commit calls this, and so does whatever
    writes elsewhere than the database (the Whoosh search index, after the commit that changed it)."""
    if has_app_context() and "visitor_pages" in current_app.extensions:
        current_app.extensions["visitor_pages"].stamp.bump()


class WriteStamp:
    """A random value in a file, replaced after every commit: while it is unchanged, nothing has been
    written to the database by this host's workers."""

    def __init__(self, path: str):
        self.path = path
        self.bump()

    def read(self) -> bytes:
        try:
            with open(self.path, "rb") as file:
                return file.read()
        except OSError:
            return secrets.token_bytes(16)  # no file: never the same twice, so nothing is served on it

    def bump(self) -> None:
        temporary = f"{self.path}.{os.getpid()}.{threading.get_ident()}"
        try:
            with open(temporary, "wb") as file:
                file.write(secrets.token_bytes(16))
            os.replace(temporary, self.path)  # readers see the old value or the new one, never a mix
        except OSError:
            # Never fail a commit that has happened. Without a file no page is served unread; if even
            # removing it fails, kept pages may lag for UNREAD_FOR seconds.
            log.exception("cannot replace the visitor pages' write stamp %s", self.path)
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass
            except OSError:
                log.exception("cannot remove the visitor pages' write stamp %s", self.path)


class RedisStamp:
    """The write stamp in Redis (with REDIS_URL): shared by every host, not only one host's workers."""

    def __init__(self, url: str, key: str):
        from redis import Redis

        self.client = Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
        self.key = key
        self.bump()

    def read(self) -> bytes:
        from redis import RedisError

        try:
            value = self.client.get(self.key)
        except RedisError:
            log.warning("Redis does not answer: visitors' pages are read from the database", exc_info=True)
            value = None
        return value if value is not None else secrets.token_bytes(16)  # unknown: nothing served unread

    def bump(self) -> None:
        from redis import RedisError

        try:
            self.client.set(self.key, secrets.token_bytes(16))
        except RedisError:
            # Never fail a commit that has happened. While Redis is down, reads get no stamp either.
            log.exception("cannot replace the visitor pages' write stamp in Redis")


class VisitorPages:
    """Rendered visitors' pages of one process, by their address and shown data, each
    with the moment its first "ago" text changes: an LRU bounded by the characters it holds.
    `latest` remembers, per address, the page last served, the write stamp read before its rows
    were, and when.

    With `shared` (a diskcache.Cache in a folder of the instance), every page and every `latest`
    is also written there, and a process that has not rendered a page itself looks there before
    rendering it: each page is rendered once per host, not once per worker. Only while writes have
    settled (`settled`): while they come faster than other workers could reuse what one shares, the
    writes to the folder would cost more than they save (the mixed run, with a write every 16 ms,
    was 10% slower). Keys in the folder are digests of the page's own key and of `version` (the code,
    templates, static files and settings that rendered it), so workers of another deploy never
    serve each other's pages."""

    def __init__(
        self,
        megabytes: int,
        stamp: WriteStamp | RedisStamp,
        *,
        token_slot: str,
        version: bytes = b"",
        shared: diskcache.Cache | None = None,
    ):
        self.size = megabytes * 1_000_000
        self.stamp = stamp
        self.pages: LRUCache = LRUCache(maxsize=max(self.size, 1), getsizeof=lambda kept: len(kept[0]))
        self.latest: LRUCache = LRUCache(maxsize=4096)
        self.by_version: LRUCache = LRUCache(maxsize=4096)  # see `by_version_for_visitors`
        self.lock = threading.Lock()
        # Stands for the session's CSRF token in a stored page: drawn from the secret key (every
        # worker's pages carry the same), so no text typed by a member can contain it.
        self.token_slot = token_slot
        self.version = version
        self.shared = shared
        self.stamp_seen = (b"", 0.0)  # the last write stamp this process read, and since when
        self.hits = 0

    def settled(self, stamp: bytes) -> bool:
        """Whether the write stamp has stood for SETTLED_AFTER seconds, as far as this process saw."""
        now = time.monotonic()
        with self.lock:
            if stamp != self.stamp_seen[0]:
                self.stamp_seen = (stamp, now)
            return now - self.stamp_seen[1] >= SETTLED_AFTER

    def _sharing_key(self, key: Hashable) -> bytes | None:
        """While sharing, the key of a page (or `latest`) in the shared folder: a digest of its own key
        and of the version (computed only then: a digest of a list's twenty cards costs ~0.1 ms)."""
        if not self._sharing():
            return None
        if isinstance(key, bytes):
            return key
        try:
            return digest(self.version, key)
        except TypeError:  # a value `digest` cannot read: the page stays this process's own
            log.warning("a visitor page's key cannot be shared", exc_info=True)
            return None

    def get(self, key: Hashable) -> tuple[str, float] | None:
        """The page kept under `key` and until when it stays true, if it still does. `key` is the
        page's own key, or its key in the shared folder (as another process's `latest` names it)."""
        with self.lock:
            kept = self.pages.get(key)
        if kept is None and (shared_key := self._sharing_key(key)):
            kept = self._shared_get(b"page:" + shared_key)
            if kept is not None and len(kept[0]) <= self.size // 10:
                with self.lock:
                    self.pages[key] = kept
        if kept is None or kept[1] <= time.time():
            return None
        with self.lock:
            self.hits += 1
        return kept

    def put(self, key: Hashable, page: str, until: float) -> None:
        if len(page) > self.size // 10:
            return  # one page may not push out the rest
        with self.lock:
            self.pages[key] = (page, until)
        if shared_key := self._sharing_key(key):
            self._shared_set(b"page:" + shared_key, (page, until), until)

    def unchanged(self, place: Hashable, stamp: bytes) -> tuple[str, int] | None:
        """The page served last at this place and its status, if nothing was written since."""
        with self.lock:
            latest = self.latest.get(place)
        if not self._current(latest, stamp) and (shared_place := self._sharing_key(place)):
            latest = self._shared_get(b"latest:" + shared_place)
            if self._current(latest, stamp):
                with self.lock:
                    self.latest[place] = latest
        if not self._current(latest, stamp):
            return None
        kept = self.get(latest[1])
        return None if kept is None else (kept[0], latest[2])

    @staticmethod
    def _current(latest: tuple | None, stamp: bytes) -> bool:
        return latest is not None and latest[0] == stamp and latest[3] + UNREAD_FOR > time.time()

    def remember(self, place: Hashable, stamp: bytes, key: Hashable, status: int) -> None:
        at = time.time()
        with self.lock:
            if key not in self.pages:
                return
            self.latest[place] = (stamp, key, status, at)
        shared_place, shared_key = self._sharing_key(place), self._sharing_key(key)
        if shared_place and shared_key:
            self._shared_set(b"latest:" + shared_place, (stamp, shared_key, status, at), at + UNREAD_FOR)

    def clear(self) -> None:
        with self.lock:
            self.pages.clear()
            self.latest.clear()
            self.by_version.clear()
        if self.shared is not None:
            self.shared.clear()

    def _sharing(self) -> bool:
        return self.shared is not None and g.get("visitor_pages_settled", False)

    def _shared_get(self, key: bytes):
        try:
            return self.shared.get(key)
        except Exception:  # busy, a broken disk, a file cut short by a crash: a cache read that fails is a miss
            log.warning("the shared visitor pages cannot be read", exc_info=True)
            return None

    def _shared_set(self, key: bytes, value: tuple, until: float) -> None:
        expire = None if until == math.inf else max(until - time.time(), 0.001)
        try:
            self.shared.set(key, value, expire=expire)
        except diskcache.Timeout:
            pass  # another process writes: this page stays this process's own
        except (sqlite3.Error, OSError):
            log.warning("a visitor page cannot be shared", exc_info=True)


def _serves_visitor(pages: VisitorPages) -> bool:
    if not pages.size or request.method not in READS or "_flashes" in session:
        return False
    return not current_user.is_authenticated


def _place() -> tuple:
    return (request.path, request.query_string)


def true_for(seconds: float) -> None:
    """Said by a text of the page being rendered that depends on the time ("5 minutes ago"): it stays
    true for `seconds` more. A kept page (or part) is used until its first such text would change."""
    if has_app_context():
        _true_until(time.time() + seconds)


def _true_until(moment: float) -> None:
    g.visitor_page_until = min(g.get("visitor_page_until", math.inf), moment)


def _rendered(render: Callable[[], str]) -> tuple[str, float]:
    """`render()` and until when what it shows stays true (by the texts that told `true_for`)."""
    outer = g.pop("visitor_page_until", math.inf)
    try:
        text = render()
        until = g.get("visitor_page_until", math.inf)
    finally:
        g.visitor_page_until = outer
    _true_until(until)  # a page is true no longer than its parts
    return text, until


def kept_for_visitors(view):
    """Serves a visitor the page this view gave last at this address, without running the view, if
    nothing was written to the database since (see the module's docstring). The view itself must
    produce its page with `for_visitors`."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        pages: VisitorPages = current_app.extensions["visitor_pages"]
        if not _serves_visitor(pages):
            return view(*args, **kwargs)
        place, stamp = _place(), pages.stamp.read()  # the stamp first, then the rows
        g.visitor_pages_settled = pages.settled(stamp)
        kept = pages.unchanged(place, stamp)
        if kept is not None:
            return _with_token(pages, kept[0]), kept[1]
        g.visitor_page_place = place
        result = view(*args, **kwargs)
        key = g.pop("visitor_page_key", None)
        if key is not None:
            status = result[1] if isinstance(result, tuple) else 200
            pages.remember(place, stamp, key, status)
        return result

    return wrapper


def _with_token(pages: VisitorPages, page: str) -> str:
    return page.replace(pages.token_slot, generate_csrf()) if pages.token_slot in page else page


def for_visitors(render: Callable[[], str], shown: Hashable) -> str:
    """`render()`, or for a visitor the page already rendered for this address showing `shown`.

    `shown` must hold every value from the database the page displays (plain, hashable values,
    such as `posts.Card`): it is the guarantee that a stored page is still true."""
    pages: VisitorPages = current_app.extensions["visitor_pages"]
    if not _serves_visitor(pages):
        return render()
    key = (*g.get("visitor_page_place", _place()), shown)
    g.visitor_page_key = key
    kept = pages.get(key)
    if kept is not None:
        return _with_token(pages, kept[0])
    page, until = _rendered(render)
    token = g.get("csrf_token")
    pages.put(key, page.replace(token, pages.token_slot) if token else page, until)
    return page


def part_for_visitors(render: Callable[[], str], shown: Hashable) -> Markup:
    """`render()`, a part of a page, or for a visitor the same part already rendered showing `shown`
    (which must hold every value the part displays, as for `for_visitors`): a page that changes with
    every vote keeps its costly parts. Kept while its "ago" texts stay true, as pages are; never a
    part carrying the session's CSRF token (a form), which belongs to one visitor."""
    pages: VisitorPages = current_app.extensions["visitor_pages"]
    if not _serves_visitor(pages):
        return Markup(render())
    key = ("part", shown)
    kept = pages.get(key)
    if kept is not None:
        part, until = kept
        _true_until(until)  # the page holding it is true no longer
    else:
        part, until = _rendered(render)
        token = g.get("csrf_token")
        if not (token and token in part):
            pages.put(key, part, until)
    return Markup(part)


def by_version_for_visitors(version: Hashable, compute: Callable[[], bytes]) -> bytes:
    """`compute()`, a digest of rows (for the key of a kept part), or for a visitor the digest it gave
    last in this process under `version`: a value read with the page's own rows that the database
    draws anew whenever those rows change (`posts.thread_version`). While it stands, the rows are not
    read.

    A version may move without the rows changing (a new comment on the last page of a thread moves its
    post's version, not the first page's rows): the rows are read again then, and their digest finds
    the part still kept."""
    pages: VisitorPages = current_app.extensions["visitor_pages"]
    if not _serves_visitor(pages):
        return compute()
    with pages.lock:
        known = pages.by_version.get(version)
    if known is None:
        known = compute()
        with pages.lock:
            pages.by_version[version] = known
    return known


def digest(*shown: object) -> bytes:
    """A digest of what a page shows, for `for_visitors`, from the database objects it renders.

    Each mapped object counts with every column of its row and the related objects already loaded
    with it (a comment's author, a post's category), so any change to a shown row changes the
    digest. A digest rather than the values: keys stay small, and hold no copy of a member's email
    or password hash."""
    parts: list = []
    _collect(parts, shown)
    return hashlib.blake2b(repr(parts).encode(), digest_size=20).digest()


def _collect(parts: list, value: object) -> None:
    state = getattr(value, "_sa_instance_state", None)
    if state is not None:
        columns, relations = _shape(state.mapper)
        loaded = state.dict
        parts.append((state.class_.__name__, *[loaded.get(key) for key in columns]))
        for key in relations:
            related = loaded.get(key)
            if related is None:
                parts.append(None)
            else:
                _collect(parts, related)
    elif is_dataclass(value):
        parts.append(value)  # frozen plain values (posts.Card, comments.ThreadComment): their repr is complete
    elif isinstance(value, list | tuple):
        parts.append(len(value))
        for item in value:
            _collect(parts, item)
    elif isinstance(value, str | int | float | date | bytes | None):
        parts.append(value)
    else:
        raise TypeError(f"cannot digest {type(value).__name__} for a kept page")


@cache
def _shape(mapper) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A model's column names, and its many-to-one relationships."""
    columns = tuple(column.key for column in mapper.column_attrs)
    return columns, tuple(r.key for r in mapper.relationships if not r.uselist)
