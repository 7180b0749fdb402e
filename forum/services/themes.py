"""Systemic problems: complaints that say the same thing in different words, grouped.

Method (measured on tests/data/complaint_themes.json, see tests/services/test_themes.py):
each complaint's title and body become a bag of Porter-stemmed words (Whoosh's
stemmer), with stop words dropped and a small table of customer synonyms mapped
to one word ("signed out" / "logged out" / "kicked out" → logout). Words are
weighted by TF-IDF over the complaints being grouped (the title counts twice),
two complaints are similar by the cosine of their vectors, and groups form by
average-link agglomerative clustering: the two groups whose members are most
similar on average merge, until no pair of groups reaches THRESHOLD. Average
link (rather than single link) keeps one loose pair from chaining two problems
together.
"""

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from whoosh.lang.porter import stem

from forum import semantic
from forum.extensions import db
from forum.models import Kind, Post, Vote, statuses
from forum.visibility import visible_posts

if TYPE_CHECKING:
    from forum.permissions import Guardian

THRESHOLD = 0.25  # TF-IDF cosine (the lexical fallback)
SEMANTIC_THRESHOLD = 0.45  # sentence-vector cosine: no wrong grouping of the labelled set from 0.42 up
MAX_COMPLAINTS = 300  # the most voted open complaints; grouping is quadratic

STOP_WORDS = frozenset(
    """a about after again all also am an and any are as at be because been before being but by can cannot
    could did do does doing don for from get gets getting got had has have having how i if in into is it its
    just keep keeps me more most my no not now of on once only or other our out over please same see since so
    some still such than that the their them then there these they this time times to too up us very was we
    were what when where which while who why will with would you your every day days again always never
    anything nothing something""".split()  # noqa: SIM905
)

_WORD = re.compile(r"[a-z0-9&]+")


def terms(text: str) -> list[str]:
    """Porter stems of the words, stop words left out (the lexical fallback)."""
    return [stem(word) for word in _WORD.findall(text.lower()) if word not in STOP_WORDS and len(word) >= 2]


def vectors(documents: list[tuple[str, str]], terms_of=terms) -> list[dict[str, float]]:
    """TF-IDF vectors (unit length) of (title, body) pairs; the title counts twice.
    `terms_of` turns text into terms (similar posts add synonyms of their own)."""
    bags = [Counter(terms_of(title) * 2 + terms_of(body)) for title, body in documents]
    document_frequency = Counter(term for bag in bags for term in bag)
    total = len(bags)
    result = []
    for bag in bags:
        # Smoothed IDF (+1): with few complaints, words they all share must still count.
        weights = {
            t: (1 + math.log(n)) * (1 + math.log((1 + total) / (1 + document_frequency[t]))) for t, n in bag.items()
        }
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        result.append({t: w / norm for t, w in weights.items() if w > 0})
    return result


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(t, 0.0) for t, w in a.items())


def similarities(documents: list[tuple[str, str]], known: dict[int, "np.ndarray"] | None = None):
    """The matrix of pairwise similarities of documents and the threshold that goes with it: cosines
    of sentence vectors with the model (`known`: vectors already made, by document index), else
    of TF-IDF vectors."""
    if semantic.encoder() is not None:
        known = known or {}
        missing = [i for i in range(len(documents)) if i not in known]
        made = semantic.embed([semantic.post_text(*documents[i]) for i in missing]) if missing else []
        rows = dict(zip(missing, made, strict=True)) | known
        matrix = np.stack([rows[i] for i in range(len(documents))]) if documents else np.zeros((0, 1))
        return (matrix @ matrix.T).tolist(), SEMANTIC_THRESHOLD
    vecs = vectors(documents)
    n = len(vecs)
    similarity = [[cosine(vecs[i], vecs[j]) if i < j else 0.0 for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(i):
            similarity[i][j] = similarity[j][i]
    return similarity, THRESHOLD


def group(
    documents: list[tuple[str, str]], threshold: float | None = None, known: dict | None = None
) -> list[list[int]]:
    """Indexes of documents, grouped by average-link clustering; biggest groups first."""
    similarity, default = similarities(documents, known)
    threshold = default if threshold is None else threshold
    n = len(documents)
    for i in range(n):
        similarity[i][i] = 0.0
    clusters: dict[int, list[int]] = {i: [i] for i in range(n)}
    # Sum of pairwise similarities between clusters, kept up to date as they merge.
    link = {(i, j): similarity[i][j] for i in range(n) for j in range(i + 1, n) if similarity[i][j] > 0}
    while True:
        best, pair = threshold, None
        for (a, b), total in link.items():
            average = total / (len(clusters[a]) * len(clusters[b]))
            if average >= best:
                best, pair = average, (a, b)
        if pair is None:
            break
        a, b = pair
        clusters[a].extend(clusters.pop(b))
        merged: dict[tuple[int, int], float] = {}
        for (x, y), total in link.items():
            if b in (x, y) or a in (x, y):
                other = y if x in (a, b) else x
                if other in (a, b):
                    continue
                key = (min(a, other), max(a, other))
                merged[key] = merged.get(key, 0.0) + total
            else:
                merged[(x, y)] = total
        link = merged
    return sorted(clusters.values(), key=lambda members: (-len(members), min(members)))


@dataclass
class Theme:
    posts: list[Post] = field(default_factory=list)
    voters: int = 0

    @property
    def title(self) -> str:
        return max(self.posts, key=lambda p: (p.vote_count, -p.id)).title


def complaint_themes(viewer: "Guardian | None" = None, min_size: int = 2) -> list[Theme]:
    """Open complaints the viewer may see (None: every one, for commands) grouped into themes, each
    with its distinct voters; biggest first."""
    complaints = list(
        db.session.scalars(
            select(Post)
            .where(
                Post.kind == Kind.COMPLAINT,
                Post.public(),
                *([visible_posts(viewer)] if viewer is not None else []),
                Post.status.not_in(statuses().closed()),
            )
            .options(joinedload(Post.category))
            .order_by(Post.vote_count.desc(), Post.id)
            .limit(MAX_COMPLAINTS)
        )
    )
    stored = semantic.vectors_of([p.id for p in complaints]) if semantic.encoder() is not None else {}
    known = {i: stored[p.id] for i, p in enumerate(complaints) if p.id in stored}
    groups = [g for g in group([(p.title, p.body) for p in complaints], known=known) if len(g) >= min_size]
    themes = [Theme(posts=[complaints[i] for i in g]) for g in groups]
    voter_counts = _distinct_voters([[p.id for p in theme.posts] for theme in themes])
    for theme, voters in zip(themes, voter_counts, strict=True):
        theme.voters = voters
        theme.posts.sort(key=lambda p: (-p.vote_count, p.id))
    return sorted(themes, key=lambda t: (-t.voters, -len(t.posts)))


def _distinct_voters(groups: list[list[int]]) -> list[int]:
    """People who voted for any post of each group, each counted once (one query)."""
    owner = {post_id: index for index, ids in enumerate(groups) for post_id in ids}
    if not owner:
        return []
    rows = db.session.execute(select(Vote.post_id, Vote.user_id).where(Vote.post_id.in_(list(owner))).distinct())
    people: list[set[int]] = [set() for _ in groups]
    for post_id, user_id in rows:
        people[owner[post_id]].add(user_id)
    return [len(p) for p in people]
