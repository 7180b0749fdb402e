"""Search: one interface (base.SearchBackend), two backends: Whoosh on disk (the default, one
machine) and PostgreSQL's full text (several app servers sharing one database).

    search(text, Filters, page=...)    -> Results      a page of hits: post ids, highlighted title
                                                       and snippet; the caller loads the posts
    backend()                          -> SearchBackend  the configured one (SEARCH_BACKEND)
    backend().similar(stems, limit=)   -> [post id]    similar posts while typing a title
    backend().check() / .reindex()                     `flask search check [--fix] | reindex`

What users type is parsed here, once, into words and quoted phrases
(query.py); each backend turns that into its own query, so no user text ever
reaches a query parser and both backends answer the same questions. This
package reads the models and nothing above them: the pages load what they
show from the post ids, and check each post against the Guardian.

Index consistency (PostgreSQL's documents are written by triggers in the
transaction that changes the posts: nothing to do here). The index follows
the database, never leads it. A SQLAlchemy session listener notes, at each
flush, the posts whose text or visibility may have changed (a post, an
official response or a comment added, edited, hidden or deleted), forgets
them on rollback, and hands them to the backend only after the commit. A
listener rather than explicit calls from the services: an explicit call
forgotten in any of them would leave the index silently stale; the listener
cannot be forgotten. Changes made with bulk UPDATE statements (vote and
comment counters) are not seen, which is right: the index holds no counters.
In a request, the backend notes the post ids at the commit
(`add_to_index_later`: Whoosh's journal in the index folder), and the index is
written once the response is sent, so that re-indexing a busy thread's
document never holds up the response, nor every other writer behind the
index lock; the write takes every id noted, so a process killed before it
leaves them to the next one. Outside a request (commands, services called
directly) it is written at the commit. If it fails (the index is locked past
the timeout, the disk is full) the request still succeeds and the ids wait
for the next write. Anything else (a process killed mid-write, a bulk change)
shows in `flask search check` and is repaired by `flask search reindex`.
Every result is checked against the database before it is shown, so a stale
index can miss a post but never leak one.
"""

import functools
import itertools
import logging
from dataclasses import dataclass, field

from flask import after_this_request, current_app, g, has_app_context
from flask_sqlalchemy.session import Session
from markupsafe import Markup
from sqlalchemy import bindparam, event, select, union_all

from forum.extensions import db
from forum.models import Comment, OfficialResponse, Post
from forum.search.base import Drift, Filters, Found, SearchBackend, Total
from forum.search.query import ParsedQuery, parse
from forum.search.snippets import highlight, plain_text, stems_in

__all__ = ["Drift", "Filters", "Found", "Hit", "Results", "SearchBackend", "Total", "backend", "parse", "search"]

log = logging.getLogger(__name__)

PER_PAGE = 20


@dataclass(frozen=True)
class Hit:
    post_id: int
    title: Markup  # the post's title, the words found in <mark>
    snippet: Markup
    found_in: str  # "post", "response" or "comment": where the snippet comes from


@dataclass
class Results:
    query: ParsedQuery
    hits: list[Hit] = field(default_factory=list)
    total: Total = field(default_factory=Total)
    page: int = 1
    has_next: bool = False
    degraded: str | None = None  # why recent posts may be missing (SearchBackend.degraded)


def backend() -> SearchBackend:
    """The configured backend (SEARCH_BACKEND), made once per app."""
    name = current_app.config["SEARCH_BACKEND"]
    backends = current_app.extensions.setdefault("search_backends", {})
    if name not in backends:
        if name == "postgres":
            from forum.search.postgres import PostgresBackend

            backends[name] = PostgresBackend()
        else:
            from forum.search.whoosh_backend import WhooshBackend

            config = current_app.config
            backends[name] = WhooshBackend(config["SEARCH_INDEX_DIR"], results_kept=config["SEARCH_RESULTS_KEPT"])
    return backends[name]


def search(text: str, filters: Filters | None = None, *, page: int = 1, per_page: int = PER_PAGE) -> Results:
    """A page of the posts that match `text`, best first (public posts only, unless `filters` say
    otherwise). Posts the database no longer holds, or holds hidden or deleted when
    `filters.public_only`, or in one of `filters.hidden_categories`, are left out."""
    filters = filters or Filters()
    parsed = parse(text)
    results = Results(query=parsed, page=page, degraded=backend().degraded())
    if parsed.is_empty:
        return results
    offset = (page - 1) * per_page
    found = backend().query_index(parsed, filters, offset=offset, limit=per_page)
    results.total = found.total
    results.has_next = offset + per_page < found.total
    texts = {}
    if found.post_ids:
        statement = _PUBLIC_TEXTS if filters.public_only else _TEXTS
        values = {"ids": found.post_ids}
        if filters.hidden_categories:
            statement = statement.where(Post.category_id.not_in(bindparam("hidden", expanding=True)))
            values["hidden"] = sorted(filters.hidden_categories)
        texts = {row.id: row for row in db.session.connection().execute(statement, values)}
    # The database decides what may be shown: an index a moment behind never leaks a post.
    results.hits = _hits(filters.public_only, parsed, [texts[i] for i in found.post_ids if i in texts])
    return results


_TEXTS = select(Post.id, Post.title, Post.body_html).where(Post.id.in_(bindparam("ids", expanding=True)))
_PUBLIC_TEXTS = _TEXTS.where(Post.public())


def _hits(public_only: bool, parsed: ParsedQuery, posts: list) -> list[Hit]:
    stems = parsed.stems()
    bodies = {post.id: plain_text(post.body_html) for post in posts}
    snippets = {post.id: highlight(bodies[post.id], stems) for post in posts}
    # Responses and comments are read only for the posts whose own text (title and body) does not
    # show every word, and as plain columns, not objects: a post found by its title needs none.
    elsewhere = [
        post.id
        for post in posts
        if not snippets[post.id].matched and not stems <= stems_in(post.title) | stems_in(bodies[post.id])
    ]
    responses: dict[int, list[str]] = {}
    comments: dict[int, list[str]] = {}
    if elsewhere:
        for post_id, body in db.session.execute(
            select(OfficialResponse.post_id, OfficialResponse.body_html).where(OfficialResponse.post_id.in_(elsewhere))
        ):
            responses.setdefault(post_id, []).append(body)
        comments = _comment_texts(public_only, elsewhere, stems)
    hits = []
    for post in posts:
        snippet, found_in = snippets[post.id], "post"
        if post.id in elsewhere:
            for where, texts in (("response", responses.get(post.id, [])), ("comment", comments.get(post.id, []))):
                found = _first_match(texts, stems)
                if found is not None:
                    snippet, found_in = found, where
                    break
        hits.append(Hit(post_id=post.id, title=highlight(post.title, stems, whole=True).html, snippet=snippet.html,
                        found_in=found_in))  # fmt: skip
    return hits


SNIPPET_COMMENTS = 20  # a post's comments read first for its snippet; the rest only if none shows a word


def _first_match(texts: list[str], stems: set[str]):
    return next((s for s in (highlight(plain_text(t), stems) for t in texts) if s.matched), None)


def _comment_texts(public_only: bool, post_ids: list[int], stems: set[str]) -> dict[int, list[str]]:
    """The comments of these posts in thread order, as far as the first that shows a searched word.

    Read SNIPPET_COMMENTS a post at first (one statement), and the rest only for a post none of
    those shows a word in: reading every comment of each post found by its comments was most of a
    search's time on the PostgreSQL backend, which finds busy threads by their comments."""
    texts: dict[int, list[str]] = {}
    for post_id, body in db.session.execute(_comments_statement(len(post_ids), public_only), _ids(post_ids)):
        texts.setdefault(post_id, []).append(body)
    deeper = [
        i for i in post_ids if len(texts.get(i, [])) == SNIPPET_COMMENTS and _first_match(texts[i], stems) is None
    ]
    if deeper:
        rest = select(Comment.post_id, Comment.body_html).where(Comment.post_id.in_(deeper))
        rest = rest.where(Comment.public()) if public_only else rest
        skipped = dict.fromkeys(deeper, SNIPPET_COMMENTS)
        for post_id, body in db.session.execute(rest.order_by(Comment.post_id, Comment.created_at, Comment.id)):
            if skipped[post_id]:
                skipped[post_id] -= 1
            else:
                texts[post_id].append(body)
    return texts


def _ids(post_ids: list[int]) -> dict[str, int]:
    return {f"post_{n}": post_id for n, post_id in enumerate(post_ids)}


@functools.cache
def _comments_statement(posts: int, public_only: bool):
    """The first SNIPPET_COMMENTS comments of each of `posts` posts (bound as post_0, post_1 ...), in
    thread order: each along the (post, time, id) index, stopping at its limit."""
    firsts = []
    for n in range(posts):
        first = (
            select(Comment.post_id, Comment.body_html)
            .where(Comment.post_id == bindparam(f"post_{n}"), *([Comment.public()] if public_only else []))
            .order_by(Comment.created_at, Comment.id)
            .limit(SNIPPET_COMMENTS)
            .subquery()
        )
        firsts.append(select(first.c.post_id, first.c.body_html))
    return union_all(*firsts) if len(firsts) > 1 else firsts[0]


# -- after commit -----------------------------------------------------------------------
_PENDING = "search_pending_post_ids"


@event.listens_for(Session, "after_flush")
def _note_changed_posts(session, flush_context) -> None:
    pending = session.info.setdefault(_PENDING, set())
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Post):
            pending.add(obj.id)
        elif isinstance(obj, Comment | OfficialResponse):
            pending.add(obj.post_id)


@event.listens_for(Session, "after_rollback")
def _forget_changed_posts(session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_commit")
def _index_changed_posts(session) -> None:
    post_ids = session.info.pop(_PENDING, None)
    if not post_ids or not has_app_context():
        return
    engine = backend()
    if engine.kept_by_the_database:
        return
    try:
        if g.get(_RESPONDING) and engine.add_to_index_later(sorted(post_ids)):
            _update_after_the_response()
        else:
            engine.add_to_index(sorted(post_ids))
    except Exception:  # the commit stands: the journal and `flask search check` repair the index
        log.exception("search index update failed for posts %s", sorted(post_ids)[:20])


_RESPONDING = "search_responding"
_REGISTERED = "search_update_after_response"


def _responding() -> None:
    """Set before each request a server dispatches (a request context pushed by a test or a command
    makes no response, so its commits update the index at once)."""
    setattr(g, _RESPONDING, True)


def init_app(app) -> None:
    app.before_request(_responding)
    with app.app_context():
        # Made now, in each worker as it starts: made at first use, the Whoosh backend's imports
        # (Whoosh, numpy) fell on a worker's first comment or first search.
        backend()


def _update_after_the_response() -> None:
    """Once per request: when the server has sent the response, bring the index up to date with
    what `add_to_index_later()` noted. Should the callback never run (a commit after the response
    was made), the ids wait for the next write."""
    if g.get(_REGISTERED):
        return
    setattr(g, _REGISTERED, True)
    app = current_app._get_current_object()

    @after_this_request
    def when_sent(response):
        response.call_on_close(functools.partial(_catch_up, app))
        return response


def _catch_up(app) -> None:
    with app.app_context():
        try:
            backend().add_to_index([])
        except Exception:
            log.exception("search index update after the response failed")
