"""Search: one small interface, three backends (Whoosh on disk, PostgreSQL full text, SQLite FTS5).

    search(viewer, SearchRequest)      -> Results      the /search page
    backend().candidates(words, n)     -> [post id]    similar posts while typing
    backend().warm()                                   open what the first search would (a server's worker)
    backend().update(post_ids)                         after a commit (Whoosh only: the others are
                                                       written by triggers, migrations 0009 and 0010)
    backend().later(post_ids)                          the same, once the response is sent (Whoosh)
    backend().rebuild() / .check() / .repair(ids)      `flask search reindex | check [--fix]`

What users type is parsed here, once, into words and quoted phrases
(query.py); each backend turns that into its own query, so no user text ever
reaches a query parser and both backends answer the same questions.

Index consistency (the Whoosh backend; PostgreSQL's documents are written by
triggers in the transaction that changes the posts, see postgres.py):
the index follows the database, never leads it. A SQLAlchemy session listener
notes, at each flush, the posts whose text or visibility may have changed
(a post, an official response or a comment added, edited, hidden or deleted),
forgets them on rollback, and hands them to the backend only after the
commit. A listener rather than explicit calls from the services: moderation,
accounts and the services other people write change posts too, and an
explicit call forgotten in any of them would leave the index silently stale;
the listener cannot be forgotten. Changes made with bulk UPDATE statements
(vote and comment counters) are not seen, which is right: the index holds no
counters, and result pages read them from the database. In a request, the
post ids go to a journal in the index folder at the commit, and the update
runs once the response is sent (a comment on a thread of 7,521 comments
re-indexes its whole document: 260 ms the writer would otherwise wait, and
every other writer behind the index lock), with a session of its own; the
update takes every id in the journal, so a process killed before it leaves
them to the next one. Outside a request (commands, services called
directly) it runs at the commit. If it fails (the index is locked past the
timeout, the disk is full) the request still succeeds, the post ids stay in
the journal, and the next update takes them along. Anything else (a process
killed mid-update, a bulk change) shows in `flask search check` and is
repaired by `flask search reindex`. Every result is checked against the
database and the Guardian before it is shown, so a stale index can miss a
post but never leak one.
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
from forum.models import Category, Comment, Kind, OfficialResponse, Post, Status
from forum.permissions import Guardian
from forum.search.query import ParsedQuery, parse
from forum.search.snippets import highlight, plain_text, stems_in
from forum.services import posts
from forum.services.posts import Card

log = logging.getLogger(__name__)

PER_PAGE = 20


@dataclass(frozen=True)
class SearchRequest:
    text: str
    kind: Kind | None = None
    status: Status | None = None
    category: Category | None = None
    page: int = 1
    per_page: int = PER_PAGE


@dataclass(frozen=True)
class Filters:
    """What the backend narrows by: the request's filters, and whether to keep to public posts."""

    kind: str | None
    status: str | None
    category_id: int | None
    public_only: bool


@dataclass
class Hit:
    post: Card
    title: Markup
    snippet: Markup
    found_in: str  # "post", "response" or "comment": where the snippet comes from


class Total(int):
    """How many posts matched; `capped` when the backend stopped counting (PostgreSQL ranks and counts
    only the best BEST_MATCHES of a broad word): then there are more than this, and it reads so on the
    page ("more than 1,000 posts found"), which prints the total as it is."""

    capped: bool

    def __new__(cls, value: int = 0, *, capped: bool = False):
        total = super().__new__(cls, value)
        total.capped = capped
        return total

    def __str__(self) -> str:
        return f"more than {int(self):,}" if self.capped else str(int(self))

    def __html__(self) -> str:
        return str(self)

    def __repr__(self) -> str:
        return f"Total({int(self)}, capped={self.capped})"


@dataclass
class Results:
    query: ParsedQuery
    hits: list[Hit] = field(default_factory=list)
    total: Total = field(default_factory=Total)
    page: int = 1
    has_next: bool = False


def backend():
    """The configured backend (SEARCH_BACKEND), made once per app."""
    name = current_app.config["SEARCH_BACKEND"]
    backends = current_app.extensions.setdefault("search_backends", {})
    if name not in backends:
        if name == "postgres":
            from forum.search.postgres import PostgresBackend

            backends[name] = PostgresBackend()
        elif name == "sqlite":
            from forum.search.sqlite import SqliteBackend

            backends[name] = SqliteBackend()  # on SQLite only: create_app refuses it elsewhere
        else:
            from forum.search.whoosh_backend import WhooshBackend

            config = current_app.config
            backends[name] = WhooshBackend(config["SEARCH_INDEX_DIR"], results_kept=config["SEARCH_RESULTS_KEPT"])
    return backends[name]


def search(viewer: Guardian, request: SearchRequest) -> Results:
    parsed = parse(request.text)
    results = Results(query=parsed, page=request.page)
    if parsed.is_empty:
        return results
    filters = Filters(
        kind=request.kind.value if request.kind else None,
        status=request.status.value if request.status else None,
        category_id=request.category.id if request.category else None,
        public_only=not viewer.is_moderator,
    )
    offset = (request.page - 1) * request.per_page
    ids, total = backend().search(parsed, filters, offset=offset, limit=request.per_page)
    results.total = total if isinstance(total, Total) else Total(total)
    results.has_next = offset + request.per_page < total
    # Cards (plain rows, as the lists read them) rather than Post objects with their author and
    # category: loading those and digesting every column of the three rows took a quarter of a
    # page of twenty results.
    found = {}
    bodies = {}
    if ids:
        for row in db.session.connection().execute(_FOUND, {"ids": ids}):
            found[row.id] = posts.card(row)
            bodies[row.id] = row.body_html
    # The database decides what may be shown: an index a moment behind never leaks a post.
    shown = [found[i] for i in ids if i in found and viewer.can_see_post(found[i])]
    results.hits = _hits(viewer, parsed, shown, bodies)
    return results


_FOUND = posts.card_query().add_columns(Post.body_html).where(Post.id.in_(bindparam("ids", expanding=True)))


def _hits(viewer: Guardian, parsed: ParsedQuery, cards: list[Card], bodies: dict[int, str]) -> list[Hit]:
    stems = parsed.stems()
    snippets = {card.id: highlight(plain_text(bodies[card.id]), stems) for card in cards}
    # Responses and comments are read only for the posts whose own text (title and body) does not
    # show every word, and as plain columns: a hit on a post with thousands of comments loaded them all
    # as objects. A post found by its title used to have each of its comments highlighted in turn,
    # none matching: 7 ms of a 13 ms search at 100,000 posts.
    elsewhere = [
        card.id
        for card in cards
        if not snippets[card.id].matched and not stems <= stems_in(card.title) | stems_in(plain_text(bodies[card.id]))
    ]
    responses: dict[int, list[str]] = {}
    comments: dict[int, list[str]] = {}
    if elsewhere:
        for post_id, body in db.session.execute(
            select(OfficialResponse.post_id, OfficialResponse.body_html).where(OfficialResponse.post_id.in_(elsewhere))
        ):
            responses.setdefault(post_id, []).append(body)
        comments = _comment_texts(viewer, elsewhere, stems)
    hits = []
    for card in cards:
        snippet, found_in = snippets[card.id], "post"
        if card.id in elsewhere:
            for where, texts in (("response", responses.get(card.id, [])), ("comment", comments.get(card.id, []))):
                found = _first_match(texts, stems)
                if found is not None:
                    snippet, found_in = found, where
                    break
        hits.append(Hit(post=card, title=highlight(card.title, stems, whole=True).html, snippet=snippet.html,
                        found_in=found_in))  # fmt: skip
    return hits


SNIPPET_COMMENTS = 20  # a post's comments read first for its snippet; the rest only if none shows a word


def _first_match(texts: list[str], stems: set[str]):
    return next((s for s in (highlight(plain_text(t), stems) for t in texts) if s.matched), None)


def _comment_texts(viewer: Guardian, post_ids: list[int], stems: set[str]) -> dict[int, list[str]]:
    """The comments of these posts in thread order, as far as the first that shows a searched word.

    Read SNIPPET_COMMENTS a post at first (one statement), and the rest only for a post none of
    those shows a word in: reading every comment of each post found by its comments was most of a
    search's time on the PostgreSQL backend, which finds busy threads by their comments (~1,500 rows
    a page of full-page searches at 100,000 posts; the busiest post has 11,000 comments)."""
    texts: dict[int, list[str]] = {}
    for post_id, body in db.session.execute(_comments_statement(len(post_ids), viewer.is_moderator), _ids(post_ids)):
        texts.setdefault(post_id, []).append(body)
    deeper = [
        i for i in post_ids if len(texts.get(i, [])) == SNIPPET_COMMENTS and _first_match(texts[i], stems) is None
    ]
    if deeper:
        rest = select(Comment.post_id, Comment.body_html).where(Comment.post_id.in_(deeper))
        rest = rest.where(Comment.public()) if not viewer.is_moderator else rest
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
def _comments_statement(posts: int, for_moderator: bool):
    """The first SNIPPET_COMMENTS comments of each of `posts` posts (bound as post_0, post_1 ...), in
    thread order: each along the (post, time, id) index, stopping at its limit."""
    firsts = []
    for n in range(posts):
        first = (
            select(Comment.post_id, Comment.body_html)
            .where(Comment.post_id == bindparam(f"post_{n}"), *([] if for_moderator else [Comment.public()]))
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
    try:
        if g.get(_RESPONDING) and backend().later(sorted(post_ids)):
            _update_after_the_response()
        else:
            backend().update(sorted(post_ids))
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
        # (Whoosh, numpy: ~200 ms) fell on a worker's first comment or first search.
        backend()


def _update_after_the_response() -> None:
    """Once per request: when the server has sent the response, bring the index up to date with
    what `later()` noted. Should the callback never run (a commit after the response was made), the
    ids wait in the journal for the next update."""
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
            backend().update([])
        except Exception:
            log.exception("search index update after the response failed")
