"""The Whoosh backend: an index on disk, for a site served from one machine.

Whoosh allows one writer at a time per index. Every write goes through
`_writer()`: Whoosh's own lock file (fcntl, so it holds across processes and
is released if a process dies) taken with a timeout and retry, never the
AsyncWriter (which retries in a thread that dies with the process and loses
writes). A write that cannot get the lock in WRITE_TIMEOUT seconds leaves its
post ids in a journal file; the next write takes them along. Each document
keeps a stamp of what it was built from, so `check()` can tell exactly which
posts differ from the database.

Reading. One searcher stays open between searches and is refreshed when the
index has a new generation (a write by this or another process), keeping the
readers of the segments that did not change (whoosh_internals.refreshed). A
search of plain words is matched with sets over posting lists kept decoded
per segment (whoosh_sets): Whoosh's own matchers, which walk every posting in
Python, miss the search latency target at 100,000 posts
(docs/decisions/search-backends.md). A search with a phrase goes through
Whoosh's matchers: filters are terms of boost 0 in an And (not Whoosh's
`Require`: in 2.7.4 its matcher is an AndNot, so it returns exactly the
documents it should not), the few non-public posts are skipped by the
collector (Whoosh's AndNot lets some through, see _ScoringEveryMatch); never a
`mask`/`filter` Query: Whoosh turns those into a BitSet whose truth test counts
every byte, once per matching document. Every match is scored: Whoosh 2.7.4's
block-quality skipping and matcher "replacement" (on in its default collector)
drop some of the best matches when a filter term is in the query, and skipping
divides by a filter term's boost of 0 (ZeroDivisionError: a 500); see _top().
So both ways count every match, and the total is exact. Results are also kept
per index generation: any write makes a new generation and forgets them, so a
kept result is never staler than the index (and the caller re-checks every hit
against the database).
"""

import contextlib
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from cachetools import LRUCache
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from whoosh import index
from whoosh.analysis import StemmingAnalyzer
from whoosh.collectors import TopCollector
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.query import And, Or, Phrase, Term
from whoosh.writing import CLEAR

from forum import caching
from forum.extensions import db
from forum.models import Comment, OfficialResponse, Post, Status
from forum.models.search import COMMENT_CHARS
from forum.search import whoosh_internals, whoosh_sets
from forum.search.base import Drift, Filters, Found, Total
from forum.search.query import ParsedQuery, analyze

WRITE_TIMEOUT = 10.0  # seconds a writer waits for another process's writer
BATCH = 500
JOURNAL = "pending-post-ids"
# Below this much free space an index write (a new segment, then a merge) is likely to fail.
MIN_FREE_BYTES = 1024 * 1024
DECODED = "decoded"  # folder of the posting lists decoded once for every process (whoosh_sets.Kept)

# Boosts: a word in the title counts most, in an official response more than in
# the body's small print, and in a comment least.
TITLE_BOOST, BODY_BOOST, RESPONSE_BOOST, COMMENT_BOOST = 3.0, 1.0, 1.5, 0.3
# A post matches when all the words are in its title and body, or all in its official responses,
# or all in its comments.
GROUPS = ({"title": TITLE_BOOST, "body": BODY_BOOST}, {"responses": RESPONSE_BOOST}, {"comments": COMMENT_BOOST})
SIMILAR_GROUPS = ({"title": 2.0, "body": 1.0},)  # "vote for this instead": a post sharing any word


def schema() -> Schema:
    text = StemmingAnalyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, phrase=True),
        body=TEXT(analyzer=text, phrase=True),
        responses=TEXT(analyzer=text, phrase=True),
        comments=TEXT(analyzer=text, phrase=True),
        kind=ID,
        status=ID,
        category=ID,
        public=ID,  # "yes": neither hidden nor deleted
        similar=ID,  # "yes": public and not a merged duplicate (offered as "vote for this instead")
        stamp=STORED,
    )


def documents(session: Session, post_ids: Iterable[int]) -> dict[int, dict]:
    """What the index holds for each post, read from the database."""
    post_ids = list(post_ids)
    posts = list(session.scalars(select(Post).where(Post.id.in_(post_ids))))
    responses: dict[int, list[str]] = {}
    for post_id, body in session.execute(
        select(OfficialResponse.post_id, OfficialResponse.body)
        .where(OfficialResponse.post_id.in_(post_ids))
        .order_by(OfficialResponse.id)
    ):
        responses.setdefault(post_id, []).append(body)
    # The visible comments up to COMMENT_CHARS per post, the earliest first: PostgreSQL's rule
    # (migration 0009), so both backends find the same posts. Past it, a new comment leaves the
    # document as it is, and add_to_index() writes nothing: on a viral thread of thousands of
    # comments each new one re-read and re-tokenized them all.
    running = func.sum(func.length(Comment.body) + 1).over(partition_by=Comment.post_id, order_by=Comment.id)
    visible = (
        select(Comment.post_id, Comment.id, Comment.body, running.label("running"))
        .where(Comment.post_id.in_(post_ids), Comment.public())
        .subquery()
    )
    comments: dict[int, list[str]] = {}
    for post_id, body in session.execute(
        select(visible.c.post_id, visible.c.body)
        .where(visible.c.running <= COMMENT_CHARS)
        .order_by(visible.c.post_id, visible.c.id)
    ):
        comments.setdefault(post_id, []).append(body)
    result = {}
    for post in posts:
        public = post.deleted_at is None and not post.is_hidden
        doc = {
            "id": str(post.id),
            "title": post.title,
            "body": post.body,
            "responses": "\n\n".join(responses.get(post.id, [])),
            "comments": "\n\n".join(comments.get(post.id, [])),
            "kind": str(post.kind),
            "status": str(post.status),
            "category": str(post.category_id),
            "public": "yes" if public else "no",
            "similar": "yes" if public and post.status != Status.DUPLICATE else "no",
        }
        doc["stamp"] = hashlib.sha1(json.dumps(doc, sort_keys=True).encode()).hexdigest()
        result[post.id] = doc
    return result


class WhooshBackend:
    name = "whoosh"
    kept_by_the_database = False

    def __init__(self, directory: str, *, results_kept: int = 256, with_sets: bool = True):
        self.directory = Path(directory)
        self.with_sets = with_sets  # False: Whoosh's own matchers only (bench/search_varied.py --plain-whoosh)
        self._reading = threading.Lock()  # guards the kept searcher and results (Whoosh readers share files)
        self._searcher_kept = None
        self._stamp = None  # which index the kept searcher reads: (generation, TOC file identity)
        # (query, filters, page) -> results, for the current index generation; none when results_kept is 0
        self._results: LRUCache = LRUCache(maxsize=max(results_kept, 1))
        self._keeps_results = results_kept > 0
        # Decoded posting lists of the kept searcher's segments; the long ones also on disk, for the
        # other processes and the next start (DECODED, beside the index's own files).
        self._sets = whoosh_sets.Kept(shared=self.directory / DECODED)
        self._write_failed: str | None = None  # why this process's last index write failed

    # -- the index itself ------------------------------------------------------------
    def _index(self):
        self.directory.mkdir(parents=True, exist_ok=True)
        if index.exists_in(str(self.directory)):
            return index.open_dir(str(self.directory))
        storage = FileStorage(str(self.directory))
        # Two processes may find no index at once: one creates it, under a lock.
        lock = storage.lock("CREATING")
        deadline = time.monotonic() + WRITE_TIMEOUT
        while not lock.acquire(blocking=False):
            if time.monotonic() > deadline:
                raise LockError("timed out waiting for the search index to be created")
            time.sleep(0.05)
        try:
            if not index.exists_in(str(self.directory)):
                return index.create_in(str(self.directory), schema())
            return index.open_dir(str(self.directory))
        finally:
            lock.release()

    def _writer(self):
        return self._index().writer(timeout=WRITE_TIMEOUT, delay=0.05)

    def _journal(self) -> Path:
        return self.directory / JOURNAL

    def _note_pending(self, post_ids: Iterable[int]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        # One write call with O_APPEND: lines from several processes never interleave.
        fd = os.open(self._journal(), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            os.write(fd, "".join(f"{i}\n" for i in post_ids).encode())
        finally:
            os.close(fd)

    def _take_pending(self) -> set[int]:
        # Called holding the writer lock; renamed first so appends after this go to a new file.
        journal = self._journal()
        taking = journal.with_suffix(f".{os.getpid()}")
        try:
            os.replace(journal, taking)
        except FileNotFoundError:
            return set()
        ids = {int(line) for line in taking.read_text().split() if line.isascii() and line.isdigit()}
        taking.unlink()
        return ids

    def pending(self) -> int:
        """Posts noted in the journal and not yet indexed: the index's lag (forum/observability.py)."""
        try:
            return len(self._journal().read_bytes().split())
        except FileNotFoundError:
            return 0

    def warm(self) -> None:
        """Open the index and its kept searcher now (forum.web.warm_up), not at the first search."""
        with self._searcher():
            pass

    def degraded(self) -> str | None:
        try:
            if not os.access(self.directory, os.W_OK):
                return "the search index folder is read-only"
            disk = os.statvfs(self.directory)
        except OSError as error:
            return f"the search index folder cannot be read: {error.strerror}"
        if disk.f_bavail * disk.f_frsize < MIN_FREE_BYTES:
            return "the disk holding the search index is full"
        return self._write_failed

    def _failed(self, error: BaseException) -> None:
        if isinstance(error, OSError):
            self._write_failed = f"the last search index write failed: {error.strerror or error}"

    # -- writing -----------------------------------------------------------------------
    def add_to_index_later(self, post_ids: Sequence[int]) -> bool:
        """Note these posts for the next write (the journal): `add_to_index([])` takes them."""
        try:
            self._note_pending(post_ids)
        except OSError as error:  # a read-only or full disk: `flask search check --fix` finds them
            self._failed(error)
            raise
        return True

    def add_to_index(self, post_ids: Sequence[int]) -> None:
        """Bring these posts' documents in line with the database (after its commit), with every post
        the journal holds."""
        try:
            writer = self._writer()
        except LockError:
            self._note_pending(post_ids)
            raise
        except OSError as error:  # a read-only folder, a full disk
            self._failed(error)
            raise
        ids = set(post_ids)
        try:
            ids |= self._take_pending()
            if not ids:  # another process took them: no empty generation for every searcher to reload
                whoosh_internals.cancel(writer)
                return
            # Reads only, so no transaction around them: on SQLite a transaction begun outside a request
            # takes the write lock (extensions._sqlite_on_begin), and reading a busy thread's thousands
            # of comments held every vote and comment of the forum meanwhile. A post changed meanwhile
            # is in the journal again, for the next write.
            with Session(db.engine.execution_options(isolation_level="AUTOCOMMIT")) as session:
                docs = documents(session, ids)
            ids = self._changed(writer, ids, docs)
            if not ids:  # a comment past COMMENT_CHARS, say: a new generation would only cost searchers
                whoosh_internals.cancel(writer)
                return
            self._delete(writer, ids)
            for post_id in ids & docs.keys():
                writer.add_document(**docs[post_id])
            writer.commit()
            self._write_failed = None
            caching.written()
        except BaseException as error:
            # Whatever failed (a commit too), the lock is let go and the posts wait for the next write.
            self._failed(error)
            _abandon(writer)
            with contextlib.suppress(OSError):  # the disk that failed the write may refuse the journal too
                self._note_pending(ids)
            raise

    def _changed(self, writer, post_ids: set[int], docs: dict[int, dict]) -> set[int]:
        """The posts whose document differs from the indexed one (by its stamp), or that are gone."""
        with self._searcher() as (searcher, _):
            if searcher.ixreader.generation() != writer.generation - 1:  # see _delete(); never guess
                return post_ids
            indexed = {post_id: searcher.document(id=str(post_id)) for post_id in post_ids}
        return {
            post_id
            for post_id in post_ids
            if post_id not in docs or (indexed[post_id] or {}).get("stamp") != docs[post_id]["stamp"]
        }

    def _delete(self, writer, post_ids: Iterable[int]) -> None:
        """Delete these posts' documents, found with the kept searcher: it reads the generation the
        writer starts from (no other process can commit while this one holds the lock), with the same
        segments in the same order, so its document numbers are the writer's. Whoosh's
        `update_document` opens a searcher of its own on every segment instead, and opening a segment
        copies its whole terms file (Whoosh's BufferFile wraps the mapped file in a BytesIO), in each
        comment's write."""
        with self._searcher() as (searcher, _):
            if searcher.ixreader.generation() != writer.generation - 1:  # cannot happen; never guess
                searcher = None
            for post_id in post_ids:
                writer.delete_by_term("id", str(post_id), searcher=searcher)

    def remove_from_index(self, post_ids: Sequence[int]) -> None:
        writer = self._writer()
        try:
            self._delete(writer, post_ids)
            writer.commit()
        except BaseException:
            _abandon(writer)
            raise
        caching.written()

    def reindex(self) -> int:
        """Index every post afresh; searches see the old index until the new one is committed."""
        writer = self._writer()
        count = 0
        try:
            self._take_pending()
            with Session(db.engine) as session:
                all_ids = list(session.scalars(select(Post.id).order_by(Post.id)))
                for start in range(0, len(all_ids), BATCH):
                    for doc in documents(session, all_ids[start : start + BATCH]).values():
                        writer.add_document(**doc)
                        count += 1
                    session.expunge_all()
        except BaseException:
            writer.cancel()
            raise
        writer.commit(mergetype=CLEAR)
        caching.written()
        return count

    def check(self) -> Drift:
        drift = Drift()
        with self._index().searcher() as searcher:
            stamps = {int(f["id"]): f.get("stamp") for f in searcher.all_stored_fields()}
        with Session(db.engine) as session:
            all_ids = list(session.scalars(select(Post.id).order_by(Post.id)))
            for start in range(0, len(all_ids), BATCH):
                chunk = all_ids[start : start + BATCH]
                for post_id, doc in documents(session, chunk).items():
                    if post_id not in stamps:
                        drift.missing.append(post_id)
                    elif stamps[post_id] != doc["stamp"]:
                        drift.stale.append(post_id)
                session.expunge_all()
        drift.extra = sorted(set(stamps) - set(all_ids))
        return drift

    # -- reading -----------------------------------------------------------------------
    def _toc_stamp(self, generation: int):
        """The generation and the identity of its TOC file: a folder deleted and rebuilt restarts the
        generations, and must not pass for the index the kept searcher reads."""
        try:
            stat = os.stat(self.directory / f"_MAIN_{generation}.toc")
        except OSError:
            return None
        return generation, stat.st_ino, stat.st_mtime_ns

    @contextlib.contextmanager
    def _searcher(self):
        """The kept searcher, brought up to date, and its results store; a searcher of its own (and no
        store) for a thread that finds the kept one in use."""
        if not self._reading.acquire(blocking=False):
            with self._index().searcher() as searcher:
                yield searcher, None
            return
        try:
            kept = self._searcher_kept
            if kept is not None:
                stamp = self._toc_stamp(whoosh_internals.index_of(kept).latest_generation())
                if stamp != self._stamp:
                    self._results.clear()
                    if stamp is not None and self._stamp is not None and stamp[0] != self._stamp[0]:
                        kept = self._refreshed(kept)
                    else:  # the same generation in another TOC file: the folder was rebuilt
                        kept.close()
                        kept = None
            if kept is None:
                kept = self._index().searcher()
            if kept is not self._searcher_kept:  # another index: the segments it no longer holds go
                whoosh_sets.forget_gone_segments(self.directory / DECODED, kept)
            self._searcher_kept = kept
            self._stamp = self._toc_stamp(kept.ixreader.generation())
            yield kept, self._results
        except BaseException:
            self._forget_searcher()
            raise
        finally:
            self._reading.release()

    @staticmethod
    def _refreshed(searcher):
        """The searcher of the index's latest generation, reusing the readers of segments that did
        not change where this Whoosh allows it."""
        return whoosh_internals.refreshed(searcher) if whoosh_internals.SUPPORTED else searcher.refresh()

    def _forget_searcher(self) -> None:
        if self._searcher_kept is not None:
            with contextlib.suppress(Exception):
                self._searcher_kept.close()
        self._searcher_kept, self._stamp = None, None
        self._results.clear()

    def query_index(self, parsed: ParsedQuery, filters: Filters, *, offset: int, limit: int) -> Found:
        words, phrases = _stems(parsed)
        required = [(name, value) for name, value in (
            ("kind", filters.kind), ("status", filters.status),
            ("category", None if filters.category_id is None else str(filters.category_id)),
        ) if value is not None]  # fmt: skip
        excluded = [("public", "no")] if filters.public_only else []
        excluded += [("category", str(category_id)) for category_id in sorted(filters.hidden_categories)]
        if not words and not phrases:
            return Found()
        with self._searcher() as (searcher, kept):
            key = (repr((words, phrases, required, excluded)), offset, limit)
            if kept is not None and key in kept:
                return kept[key]
            try:
                if phrases or not self.with_sets:
                    raise whoosh_sets.Unsupported("a phrase")
                docnums, total = whoosh_sets.top(
                    searcher, self._sets_for(kept), GROUPS, words,
                    required=required, excluded=excluded, limit=offset + limit,
                )  # fmt: skip
                ids = [int(searcher.stored_fields(docnum)["id"]) for docnum in docnums[offset:]]
            except whoosh_sets.Unsupported:
                top = _top(searcher, whoosh_query(words, phrases, required), offset + limit, excluded=excluded)
                ids, total = [int(hit["id"]) for hit in top[offset : offset + limit]], len(top)
            found = Found(ids, Total(total))  # exact: every match was counted
            if kept is not None and self._keeps_results:
                kept[key] = found
            return found

    def _sets_for(self, kept) -> whoosh_sets.Kept:
        """The decoded posting lists kept with the kept searcher; a throwaway store for a thread that
        got a searcher of its own (the kept one is not thread-safe)."""
        return self._sets if kept is not None else whoosh_sets.Kept(keep=False)

    def similar(
        self, stems: Sequence[str], *, limit: int, hidden_categories: frozenset[int] = frozenset()
    ) -> list[int]:
        """Posts offered as "vote for this instead" sharing any of these stems, best first."""
        words = list(stems)
        if not words:
            return []
        excluded = [("category", str(category_id)) for category_id in sorted(hidden_categories)]
        with self._searcher() as (searcher, kept):
            try:
                if not self.with_sets:
                    raise whoosh_sets.Unsupported("asked")
                docnums, _ = whoosh_sets.top(
                    searcher, self._sets_for(kept), SIMILAR_GROUPS, [[w] for w in words],
                    required=[("similar", "yes")], excluded=excluded, limit=limit, any_word=True,
                )  # fmt: skip
            except whoosh_sets.Unsupported:
                docnums = [hit.docnum for hit in _top(searcher, similar_query(words), limit, excluded=excluded)]
            return [int(searcher.stored_fields(docnum)["id"]) for docnum in docnums]


def similar_query(words: list[str]):
    """Whoosh's query for `similar()`: any of the stems in the title or body of a post that can be
    offered instead."""
    query = Or([Term(f, w, boost=b) for w in words for f, b in SIMILAR_GROUPS[0].items()])
    return And([query, Term("similar", "yes", boost=0.0)])


def whoosh_query(words: list[list[str]], phrases: list[list[str]], required: list[tuple[str, str]]):
    """The Whoosh query of a search (one with a phrase: see query_index()): every word (any of its stems) and
    phrase in one group of fields, and every `required` (field, value) term."""

    def all_in(fields: dict[str, float]):
        parts = []
        for stems in words:
            parts.append(Or([Term(f, s, boost=b) for f, b in fields.items() for s in stems]))
        for stems in phrases:
            parts.append(Or([Phrase(f, stems, boost=b) if len(stems) > 1 else Term(f, stems[0], boost=b)
                             for f, b in fields.items()]))  # fmt: skip
        return And(parts)

    query = Or([all_in(fields) for fields in GROUPS])
    for name, value in required:
        query = And([query, Term(name, value, boost=0.0)])  # must match, adds nothing to the score
    return query


def _stems(parsed: ParsedQuery) -> tuple[list[list[str]], list[list[str]]]:
    """Each word's stems (a word may analyze to several) and each phrase's, leaving out those with none."""
    words = [stems for stems in (analyze(w) for w in parsed.words) if stems]
    phrases = [stems for stems in (analyze(" ".join(p)) for p in parsed.phrases) if stems]
    return words, phrases


def _top(searcher, query, limit: int, *, excluded: Iterable[tuple[str, str]] = ()):
    """The `limit` best matches holding none of the `excluded` (field, value) terms, every match scored:
    no block-quality skipping (usequality) and no matcher replacement (replace=0), which in Whoosh 2.7.4
    lose matches that belong in the top N."""
    collector = _ScoringEveryMatch(limit=limit, usequality=False, replace=0, excluded=excluded)
    searcher.search_with_collector(query, collector)
    return collector.results()


class _ScoringEveryMatch(TopCollector):
    """Excluded documents (the few hidden or deleted posts) are skipped as they come, not with Whoosh's
    AndNot: in 2.7.4 AndNotMatcher._find_first only checks whether both sides start on the same document,
    so a segment's first match got through when it was excluded and an excluded document came before it
    (a hidden post counted in "2 posts found")."""

    def __init__(self, *, excluded: Iterable[tuple[str, str]] = (), **kwargs):
        super().__init__(**kwargs)
        self._excluded_terms = list(excluded)
        self._out: set[int] = set()

    def set_subsearcher(self, subsearcher, offset):
        super().set_subsearcher(subsearcher, offset)
        # Replacement at quality 0 only takes out the parts that cannot match (a word absent from a
        # field): that one is safe, and it saves walking, say, "export" in comments for nothing.
        self.matcher = self.matcher.replace(0)
        reader = subsearcher.reader()
        self._out = {
            docnum
            for field, value in self._excluded_terms
            if (field, value) in reader
            for docnum in reader.postings(field, value).all_ids()
        }

    def collect(self, sub_docnum):
        if sub_docnum not in self._out:
            return super().collect(sub_docnum)


def _abandon(writer) -> None:
    """Cancel a writer and make sure its lock is released, even after a failed commit."""
    with contextlib.suppress(Exception):  # a writer half-way through commit may refuse to cancel
        whoosh_internals.cancel(writer)
    lock = getattr(writer, "writelock", None)
    if lock is not None:
        with contextlib.suppress(Exception):  # already released by cancel()
            lock.release()
