"""Searches of plain words on the Whoosh index, matched with set operations.

Whoosh's matchers walk posting lists one posting at a time in Python and score
each match through several calls: at 100,000 posts a search of two common
words took 25-200 ms, most of it in `skip_to`, `doc_field_length` and the
scorer. For a search of plain words (no phrase), this module instead reads
each term's posting list of a segment once into two arrays (document numbers
and term frequencies) and keeps them, with each field's document lengths: a
Whoosh segment never changes once written (deletions are kept beside it and
applied per search), so what was read stays true for as long as the segment
exists, across index writes. The matching documents come from set unions and
intersections (in C), and only those are scored, with the BM25F figures of
Whoosh's own scorer (idf, average length, B, K1). The results, their order
and the total are Whoosh's own (tests/search/test_whoosh_sets.py compares them
on random searches); a query this module cannot answer (a phrase, another
weighting model, an index format it does not know) goes through Whoosh.

It reads non-public parts of Whoosh 2.7.4 (a leaf matcher's blocks, the bytes
of the lengths column), which the pinned version keeps; the comparison tests
would fail on a Whoosh that changed them.
"""

import heapq
from array import array
from bisect import bisect_left
from collections.abc import MutableMapping

from cachetools import LRUCache
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching import FilterMatcher
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

POSTINGS_KEPT = 4_000_000  # postings kept decoded, 8 bytes each (~32 MB per process)
LENGTHS_KEPT = 2_000_000  # document lengths kept (8 bytes each)

Groups = tuple[dict[str, float], ...]  # each group: {field: boost}; a document matches a group when
# every word is in one of its fields


class Unsupported(Exception):
    """This search needs Whoosh's own matchers."""


class Kept:
    """Decoded posting lists and lengths, by segment; not thread-safe (one per kept searcher)."""

    def __init__(self, *, keep: bool = True):
        self.postings: MutableMapping = (
            LRUCache(maxsize=POSTINGS_KEPT, getsizeof=lambda v: len(v[0]) + 1) if keep else {}
        )
        self.lengths: MutableMapping = LRUCache(maxsize=LENGTHS_KEPT, getsizeof=lambda v: len(v) + 1) if keep else {}

    def term(self, reader: SegmentReader, field: str, text: str) -> tuple[array, array]:
        """The document numbers (ascending) and term frequencies of one term in one segment."""
        key = (reader.segment().segment_id(), field, text)
        found = self.postings.get(key)
        if found is None:
            found = _read_postings(reader, field, text)
            if len(found[0]) < POSTINGS_KEPT:
                self.postings[key] = found
        return found

    def field_lengths(self, reader: SegmentReader, field: str) -> array:
        key = (reader.segment().segment_id(), field)
        found = self.lengths.get(key)
        if found is None:
            found = _read_lengths(reader, field)
            if len(found) < LENGTHS_KEPT:
                self.lengths[key] = found
        return found


def _read_lengths(reader: SegmentReader, field: str) -> array:
    """Each document's length of the field, as Whoosh's scorer sees it (a byte per document on disk)."""
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    if column is None:  # no document of this segment has the field
        return array("d", [1.0]) * count
    if isinstance(column, NumericColumn.Reader) and column._fixedlen == 1:  # all of it in one read
        codes = column._dbfile.get(column._basepos, column._count) + bytes(count - column._count)
    else:
        codes = bytes(column)
    return array("d", map(_LENGTHS.__getitem__, codes))


_LENGTHS = [float(byte_to_length(code)) if code else 1.0 for code in range(256)]


def _read_postings(reader: SegmentReader, field: str, text: str) -> tuple[array, array]:
    ids, weights = array("i"), array("f")
    if (field, text) not in reader:
        return ids, weights
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):  # deleted documents: taken out per search instead
        matcher = matcher.child
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():  # a block (up to 128 postings) at a time
            matcher._read_ids()
            matcher._read_weights()
            ids.extend(matcher._ids)
            weights.extend(matcher._weights)
            matcher._next_block()
    else:  # postings short enough to be kept inline with the term
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
    return ids, weights


def top(
    searcher,
    kept: Kept,
    groups: Groups,
    words: list[list[str]],
    *,
    required: list[tuple[str, str]],
    excluded: list[tuple[str, str]],
    limit: int,
    any_word: bool = False,
) -> tuple[list[int], int]:
    """The `limit` best documents (global document numbers, best first: score, then the earlier
    document) of the documents where every word (any of its stems; with `any_word`, any word) is in
    one group's fields, that hold every `required` term and no `excluded` one; and how many
    documents match."""
    if not isinstance(searcher.weighting, BM25F):
        raise Unsupported("not BM25F")
    ranked: list[tuple[float, int]] = []
    total = 0
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if not isinstance(reader, SegmentReader):
            if reader.doc_count_all():
                raise Unsupported(type(reader).__name__)
            continue
        scores = _segment_scores(searcher, sub, reader, kept, groups, words, required, excluded, any_word)
        total += len(scores)
        ranked.extend((score, -(offset + docnum)) for docnum, score in scores.items())
    return [-negated for _, negated in heapq.nlargest(limit, ranked)], total


def _segment_scores(searcher, sub, reader, kept, groups, words, required, excluded, any_word) -> dict[int, float]:
    allowed = None
    for field, text in required:
        ids = set(kept.term(reader, field, text)[0])
        allowed = ids if allowed is None else allowed & ids
        if not allowed:
            return {}
    matched_groups = []
    for fields in groups:
        docs: set[int] | None = None
        terms = []
        for stems in words:
            with_word: set[int] = set()
            for field, boost in fields.items():
                for stem in stems:
                    ids, weights = kept.term(reader, field, stem)
                    if ids:
                        with_word.update(ids)
                        terms.append((field, stem, boost, ids, weights))
            if docs is None:
                docs = with_word
            elif any_word:
                docs |= with_word
            else:
                docs &= with_word
                if not docs:
                    break
        if docs:
            if allowed is not None:
                docs &= allowed
            matched_groups.append((docs, terms))
    matched: set[int] = set().union(*(docs for docs, _ in matched_groups))
    for field, text in excluded:
        matched.difference_update(kept.term(reader, field, text)[0])
    if matched and reader.has_deletions():
        matched.difference_update(reader.segment().deleted_docs())  # replaced or deleted documents
    scores = dict.fromkeys(matched, 0.0)
    for docs, terms in matched_groups:
        docs = docs & matched
        for field, stem, boost, ids, weights in terms:
            # Whoosh's BM25F for this term (idf and average length are the whole index's).
            scorer = searcher.weighting.scorer(sub, field, stem)
            if not isinstance(scorer, BM25FScorer):
                raise Unsupported(type(scorer).__name__)
            idf, k1, b, average = scorer.idf, scorer.K1, scorer.B, scorer.avgfl
            lengths = kept.field_lengths(reader, field)
            if len(docs) * 16 < len(ids):  # a few matches: look each up in the postings
                count = len(ids)
                found = []
                for docnum in docs:
                    i = bisect_left(ids, docnum)
                    if i < count and ids[i] == docnum:
                        found.append((docnum, weights[i]))
            else:  # many: walk the postings (a set lookup each, cheaper than a bisect)
                found = zip(ids, weights, strict=True)
            for docnum, tf in found:
                if docnum in docs:
                    # Whoosh's bm25(), then its boost: the same float operations in the same order.
                    score = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * lengths[docnum] / average)))
                    scores[docnum] += score * boost if boost != 1.0 else score
    return scores
