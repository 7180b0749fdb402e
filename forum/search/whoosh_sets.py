"""Searches of plain words on the Whoosh index, matched with set operations on arrays.

Whoosh's matchers walk posting lists one posting at a time in Python and score
each match through several calls, which is most of a search's time at 100,000
posts (docs/decisions/search-backends.md has the measurements). For a search of
plain words (no phrase), this module instead reads each term's posting list of
a segment once into two arrays (document numbers and term frequencies) and
keeps them, with each field's document lengths: a Whoosh segment never changes
once written (deletions are kept beside it and applied per search), so what was
read stays true for as long as the segment exists, across index writes. The
matching documents come from unions and intersections of masks over a
segment's documents (numpy), and only those are scored, in arrays too, with
the BM25F figures of Whoosh's own scorer (idf, average length, B, K1) and the
same float operations in the same order. The results, their order and the
total are Whoosh's own (tests/search/test_whoosh_sets.py compares them on
random searches); a query this module cannot answer (a phrase, another
weighting model, a Whoosh version other than whoosh_internals.RELIES_ON) goes
through Whoosh.

Decoding a common word's list is the costly part, and every process paid it
for every common word after each start. Lists of SHARED_FROM postings or more
are therefore also written, once decoded, to a folder beside the index (one
subfolder per segment, removed once the index no longer holds the segment, as
Whoosh removes the segment's files), and any process maps them read-only
instead of decoding them again: the page cache holds them once for every
worker.

What it reads of Whoosh beyond its public API goes through whoosh_internals.
"""

import hashlib
import logging
import os
import shutil
from collections.abc import MutableMapping
from pathlib import Path

import numpy as np
from cachetools import LRUCache
from whoosh.reading import SegmentReader
from whoosh.scoring import BM25F, BM25FScorer
from whoosh.util.numeric import byte_to_length

from forum.search import whoosh_internals

log = logging.getLogger(__name__)

SHARED_FROM = 1024  # postings from which a decoded list is kept on disk for every process
POSTINGS_KEPT = 4_000_000  # postings kept decoded, 12 bytes each (~48 MB per process)
LENGTHS_KEPT = 2_000_000  # document lengths kept (8 bytes each, ~16 MB)
FIGURES_KEPT = 20_000  # terms whose BM25F figures are kept

Groups = tuple[dict[str, float], ...]  # each group: {field: boost}; a document matches a group when
# every word is in one of its fields


class Unsupported(Exception):
    """This search needs Whoosh's own matchers."""


class Kept:
    """Decoded posting lists and lengths, by segment, and the BM25F figures and scores of the searcher
    last used with it; not thread-safe (one per kept searcher)."""

    def __init__(self, *, keep: bool = True, shared: Path | None = None):
        self.postings: MutableMapping = (
            LRUCache(maxsize=POSTINGS_KEPT, getsizeof=lambda v: len(v[0]) + 1) if keep else {}
        )
        self.shared = shared  # where long posting lists, once decoded, are kept for every process
        self.lengths: MutableMapping = LRUCache(maxsize=LENGTHS_KEPT, getsizeof=lambda v: len(v) + 1) if keep else {}
        # Each term's BM25F figures (idf, K1, B, average length): the whole index's, so good for as
        # long as the searcher they were read with (a refreshed searcher is another object). Read
        # anew on every search, they were an eighth of Whoosh's own work at 100,000 posts.
        self.figures: MutableMapping = LRUCache(maxsize=FIGURES_KEPT) if keep else {}
        self.figures_searcher = None
        # And each posting's score by those figures, computed once for the whole list: a search then
        # only picks the scores of its matches (the same float operations, so the same scores).
        self.scores: MutableMapping = LRUCache(maxsize=POSTINGS_KEPT, getsizeof=lambda v: len(v) + 1) if keep else {}

    def figures_for(self, searcher) -> MutableMapping:
        """The figures read with this searcher (none yet when it is not the last one seen)."""
        if self.figures_searcher is not searcher:
            self.figures.clear()
            self.scores.clear()
            self.figures_searcher = searcher
        return self.figures

    def term_scores(self, reader: SegmentReader, field: str, text: str, figures) -> np.ndarray:
        """Whoosh's bm25() of each posting of the term in this segment (before the field's boost)."""
        key = (reader.segment().segment_id(), field, text)
        found = self.scores.get(key)
        if found is None:
            ids, tf = self.term(reader, field, text)
            idf, k1, b, average = figures
            fl = self.field_lengths(reader, field)[ids]
            found = idf * ((tf * (k1 + 1)) / (tf + k1 * ((1 - b) + b * fl / average)))
            if len(found) < POSTINGS_KEPT:
                self.scores[key] = found
        return found

    def term(self, reader: SegmentReader, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The document numbers (ascending) and term frequencies of one term in one segment."""
        key = (reader.segment().segment_id(), field, text)
        found = self.postings.get(key)
        if found is None:
            found = self._shared_term(key) if self.shared else None
            if found is None:
                ids, weights = whoosh_internals.read_postings(reader, field, text)
                found = np.frombuffer(ids, dtype=np.int32), np.frombuffer(weights, dtype=np.float32).astype(np.float64)
                if self.shared and len(ids) >= SHARED_FROM:
                    self._share_term(key, found)
            if len(found[0]) < POSTINGS_KEPT:
                self.postings[key] = found
        return found

    def _shared_path(self, key: tuple[str, str, str]) -> Path:
        segment, field, text = key
        name = hashlib.blake2b(f"{field}\0{text}".encode(), digest_size=16).hexdigest()
        return self.shared / segment / name

    def _shared_term(self, key) -> tuple[np.ndarray, np.ndarray] | None:
        """The term's lists as another process (or this one, before a restart) decoded them: mapped
        from the page cache, read-only: far cheaper than decoding it again."""
        path = self._shared_path(key)
        try:
            ids = np.asarray(np.load(f"{path}.ids.npy", mmap_mode="r"))  # plain arrays over the mapping
            return ids, np.asarray(np.load(f"{path}.tf.npy", mmap_mode="r"))
        except (OSError, ValueError):  # not there (yet, or any more), or half written by a crash
            return None

    def _share_term(self, key, found: tuple[np.ndarray, np.ndarray]) -> None:
        """Written under a name of its own, then renamed: a reader finds the whole file or none. The
        frequencies before the ids, which say the term is there."""
        path = self._shared_path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            for suffix, array in ((".tf.npy", found[1]), (".ids.npy", found[0])):
                partial = path.parent / f".{path.name}{suffix}.{os.getpid()}"
                with open(partial, "wb") as out:
                    np.save(out, array)
                os.replace(partial, f"{path}{suffix}")
        except OSError:  # a full disk, or the segment's folder removed meanwhile: decoded again next time
            log.warning("could not keep the decoded postings of %s", key[:2], exc_info=True)

    def field_lengths(self, reader: SegmentReader, field: str) -> np.ndarray:
        key = (reader.segment().segment_id(), field)
        found = self.lengths.get(key)
        if found is None:
            found = _read_lengths(reader, field)
            if len(found) < LENGTHS_KEPT:
                self.lengths[key] = found
        return found


def forget_gone_segments(shared: Path, searcher) -> None:
    """Remove the decoded lists of segments this searcher's index no longer holds (merged away, or
    the index rebuilt), as Whoosh removes their files; a process still searching them decodes afresh."""
    segment_ids = {
        reader.segment().segment_id()
        for reader, _ in searcher.ixreader.leaf_readers()
        if isinstance(reader, SegmentReader)
    }
    try:
        folders = [entry for entry in os.scandir(shared) if entry.is_dir()]
    except FileNotFoundError:
        return
    for folder in folders:
        if folder.name not in segment_ids:
            shutil.rmtree(folder.path, ignore_errors=True)


def _read_lengths(reader: SegmentReader, field: str) -> np.ndarray:
    """Each document's length of the field, as Whoosh's scorer sees it (a byte per document on disk)."""
    codes = whoosh_internals.read_length_codes(reader, field)
    if codes is None:  # no document of this segment has the field
        return np.ones(reader.doc_count_all())
    return _LENGTHS_ARRAY[np.frombuffer(codes, dtype=np.uint8)]


_NOTHING, _NO_SCORES = np.zeros(0, dtype=np.int64), np.zeros(0)
_LENGTHS = [float(byte_to_length(code)) if code else 1.0 for code in range(256)]
_LENGTHS_ARRAY = np.array(_LENGTHS)


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
    if not whoosh_internals.SUPPORTED:
        raise Unsupported(f"Whoosh other than {whoosh_internals.RELIES_ON}")
    if not isinstance(searcher.weighting, BM25F):
        raise Unsupported("not BM25F")
    scores, docnums = [], []
    figures = kept.figures_for(searcher)  # each term's, for every segment
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if not isinstance(reader, SegmentReader):
            if reader.doc_count_all():
                raise Unsupported(type(reader).__name__)
            continue
        found, found_scores = _segment_scores(
            searcher, sub, reader, kept, groups, words, required, excluded, any_word, figures
        )
        scores.append(found_scores)
        docnums.append(found.astype(np.int64) + offset)
    if not scores:
        return [], 0
    score, docnum = np.concatenate(scores), np.concatenate(docnums)
    if len(score) > limit > 0:  # the best `limit` and every tie of the last of them, then in order
        keep = score >= np.partition(score, len(score) - limit)[len(score) - limit]
        score, docnum, total = score[keep], docnum[keep], len(score)
    else:
        total = len(score)
    order = np.lexsort((docnum, -score))[:limit]  # best score first, then the earlier document
    return docnum[order].tolist(), total


def _segment_scores(
    searcher, sub, reader, kept, groups, words, required, excluded, any_word, figures
) -> tuple[np.ndarray, np.ndarray]:
    """The matching documents of one segment (ascending) and their scores. Sets of documents are
    masks over the segment's documents: a union or an intersection is one pass over a few
    kilobytes (merging sorted lists with np.unique was much slower). A segment where nothing
    matches costs no more: the small segments each write leaves (one document each, until Whoosh
    merges them) match nothing for most searches, and scoring them anyway doubled the time of this
    function at 100,000 posts and seven segments."""
    size = reader.doc_count_all()

    def mask_of(ids: np.ndarray) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        mask[ids] = True
        return mask

    allowed = None
    for field, text in required:
        with_term = mask_of(kept.term(reader, field, text)[0])
        allowed = with_term if allowed is None else allowed & with_term
    matched = np.zeros(size, dtype=bool)
    matched_groups = []
    for fields in groups:
        docs = None
        terms = []
        for stems in words:
            with_word = np.zeros(size, dtype=bool)
            for field, boost in fields.items():
                for stem in stems:
                    ids = kept.term(reader, field, stem)[0]
                    if len(ids):
                        with_word[ids] = True
                        terms.append((field, stem, boost, ids))
            if docs is None:
                docs = with_word
            elif any_word:
                docs |= with_word
            else:
                docs &= with_word
        if docs is not None and terms:
            if allowed is not None:
                docs &= allowed
            matched |= docs
            matched_groups.append((docs, terms))
    if not matched.any():
        return _NOTHING, _NO_SCORES
    for field, text in excluded:
        matched[kept.term(reader, field, text)[0]] = False
    if reader.has_deletions():
        matched[np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)] = False  # replaced or deleted
    scores = np.zeros(size)
    for docs, terms in matched_groups:
        docs &= matched
        for field, stem, boost, ids in terms:
            # Whoosh's BM25F for this term (idf and average length are the whole index's: the same
            # for every segment).
            if (field, stem) not in figures:
                scorer = searcher.weighting.scorer(sub, field, stem)
                if not isinstance(scorer, BM25FScorer):
                    raise Unsupported(type(scorer).__name__)
                figures[field, stem] = (scorer.idf, scorer.K1, scorer.B, scorer.avgfl)
            at = np.flatnonzero(docs[ids])  # the term's postings in the group's matching documents
            # Whoosh's bm25() (Kept.term_scores), then its boost: the same float operations in the same order.
            score = kept.term_scores(reader, field, stem, figures[field, stem])[at]
            scores[ids[at]] += score * boost if boost != 1.0 else score
    found = np.flatnonzero(matched)
    return found, scores[found]
