"""Similar posts while a customer types a title ("vote for this instead"), and likely duplicates for staff.

Method (issue 31, measured by bench/similar_recall.py on the pairs of tests/data/paraphrase_pairs.json
and on the held-out pairs of tests/data/similar_heldout.json): the typed title and every post (its
title and body) become sentence vectors (forum/semantic, all-MiniLM-L6-v2), and the posts nearest
by cosine are offered, open posts before closed ones, nothing below a relevance floor (better nothing
than an unrelated post). No table of words: the model knows that "can't pay with PayPal" and "pay by
bank transfer" are about the same thing in any company's product.

Without the model (a slim install) the same questions are answered lexically: the stems of the typed
words find candidates through the search backend, ranked by the TF-IDF cosine of services/themes.py.
"""

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import or_, select
from whoosh.lang.porter import stem

from forum import semantic
from forum.extensions import db
from forum.models import NotDuplicate, Post, Status, statuses
from forum.services import themes
from forum.visibility import visible_posts

if TYPE_CHECKING:
    from forum.permissions import Guardian

LIMIT = 5
CANDIDATES = 60
MIN_SIMILARITY = 0.08  # lexical TF-IDF cosine
MIN_SEMANTIC_SIMILARITY = 0.3  # sentence-vector cosine: below it, the pairs of paraphrase_pairs.json hold no match
DUPLICATE_SIMILARITY = 0.75  # two posts this close are shown to staff as likely duplicates
DUPLICATES_NEWEST = 300  # the newest posts compared with every other for the likely-duplicates list
TITLE_MAX = 200


def terms(text: str) -> list[str]:
    return themes.terms(text)


def expansions(text: str) -> list[str]:
    """The stems of the words typed (the lexical fallback's candidates)."""
    words = set(terms(text))
    for word in re.findall(r"[a-z0-9]+", text.lower()):
        if word not in themes.STOP_WORDS and len(word) > 1:
            words.add(stem(word))
    return sorted(w for w in words if re.fullmatch(r"[a-z0-9]+", w))


def rank(title: str, documents: list[tuple[str, str]]) -> list[tuple[int, float]]:
    """Lexical: indexes of (title, body) documents by TF-IDF similarity to a typed title, best first."""
    if not documents:
        return []
    vectors = themes.vectors([(title, ""), *documents], terms_of=terms)
    query, others = vectors[0], vectors[1:]
    scores = [(i, themes.cosine(query, vector)) for i, vector in enumerate(others)]
    return sorted((s for s in scores if s[1] > 0), key=lambda s: (-s[1], s[0]))


def _offerable(viewer: "Guardian", ids: list[int]) -> dict[int, Post]:
    """The posts of `ids` that may be offered to the viewer (never a merged duplicate)."""
    if not ids:
        return {}
    query = select(Post).where(Post.id.in_(ids), Post.public(), visible_posts(viewer), Post.status != Status.DUPLICATE)
    return {p.id: p for p in db.session.scalars(query)}


def similar_posts(viewer: "Guardian", title: str, *, limit: int = LIMIT) -> list[Post]:
    """Up to `limit` public posts the viewer may see that say what `title` says: open ones first, then
    closed, each by similarity. Merged duplicates are left out (their original is the one to vote for)."""
    title = title[:TITLE_MAX]
    if not title.strip():
        return []
    if semantic.encoder() is None:
        ranked = _lexical(viewer, title)
    else:
        (vector,) = semantic.embed([title])
        floor = current_app.config.get("SIMILAR_MIN_SEMANTIC_SCORE", MIN_SEMANTIC_SIMILARITY)
        found = semantic.nearest(vector, CANDIDATES, floor)
        posts = _offerable(viewer, [i for i, _ in found])
        ranked = [(posts[i], score) for i, score in found if i in posts]
    ranked.sort(key=lambda pair: (statuses().is_closed(pair[0].status), -pair[1]))
    return [post for post, _ in ranked[:limit]]


def _lexical(viewer: "Guardian", title: str) -> list[tuple[Post, float]]:
    from forum import search

    words = expansions(title)
    if not words:
        return []
    ids = search.backend().similar(words, limit=CANDIDATES, hidden_categories=viewer.hidden_category_ids())
    posts = _offerable(viewer, ids)
    ordered = [posts[i] for i in ids if i in posts]
    threshold = current_app.config.get("SIMILAR_MIN_SCORE", MIN_SIMILARITY)
    return [(ordered[i], s) for i, s in rank(title, [(p.title, p.body[:2000]) for p in ordered]) if s >= threshold]


# -- likely duplicates, for staff ---------------------------------------------------------------------
@dataclass
class LikelyDuplicate:
    newer: Post  # the one to merge, by default
    older: Post
    similarity: float


def likely_duplicates(
    viewer: "Guardian", *, limit: int = 50, threshold: float = DUPLICATE_SIMILARITY
) -> list[LikelyDuplicate]:
    """Pairs of open-for-merging posts whose vectors are at least `threshold` alike, the pair with the
    newest post first; pairs staff marked "not a duplicate" are left out. Empty without the model.

    Only the newest DUPLICATES_NEWEST posts are compared with the others: a duplicate is caught when
    it is new, and comparing every pair of a large forum would take minutes."""
    if semantic.encoder() is None:
        return []
    import numpy as np

    newest = list(
        db.session.scalars(
            select(Post.id)
            .where(Post.public(), visible_posts(viewer), Post.status != Status.DUPLICATE)
            .order_by(Post.created_at.desc(), Post.id.desc())
            .limit(DUPLICATES_NEWEST)
        )
    )
    vectors = semantic.vectors_of(newest)
    if not vectors:
        return []
    ids = [i for i in newest if i in vectors]
    candidates: dict[tuple[int, int], float] = {}
    for post_id, vector in zip(ids, np.stack([vectors[i] for i in ids]), strict=True):
        for other, score in semantic.nearest(vector, 6, threshold):
            if other != post_id:
                key = (min(post_id, other), max(post_id, other))
                candidates[key] = max(candidates.get(key, 0.0), score)
    if not candidates:
        return []
    dismissed = set(
        db.session.execute(
            select(NotDuplicate.first_id, NotDuplicate.second_id).where(
                or_(NotDuplicate.first_id.in_(ids), NotDuplicate.second_id.in_(ids))
            )
        ).tuples()
    )
    posts = _offerable(viewer, sorted({i for pair in candidates for i in pair}))
    pairs = []
    for (a, b), score in candidates.items():
        if (a, b) in dismissed or a not in posts or b not in posts:
            continue
        older, newer = sorted((posts[a], posts[b]), key=lambda p: (p.created_at, p.id))
        pairs.append(LikelyDuplicate(newer=newer, older=older, similarity=score))
    pairs.sort(key=lambda d: (d.newer.created_at, d.newer.id, d.older.id), reverse=True)
    return pairs[:limit]


def dismiss(actor, first: Post, second: Post) -> None:
    """Staff say these two posts are not duplicates; the list stops offering the pair."""
    from forum.permissions import Guardian
    from forum.services import audit

    guardian = Guardian(actor)
    guardian.ensure(guardian.can_merge(first) and guardian.can_merge(second))
    low, high = sorted((first.id, second.id))
    pair = (NotDuplicate.first_id == low, NotDuplicate.second_id == high)
    exists = db.session.scalar(select(NotDuplicate.id).where(*pair))
    if exists is None:
        db.session.add(NotDuplicate(first_id=low, second_id=high, actor_id=actor.id))
        audit.record(actor, "not_duplicate", "post", low, after={"not_a_duplicate_of": high})
    db.session.flush()
