"""Plain-word searches matched with sets find what Whoosh's own matchers find, in the same order."""

import random

import numpy as np
import pytest
from whoosh import index
from whoosh.scoring import TF_IDF
from whoosh.searching import Searcher

from forum.search import whoosh_backend, whoosh_internals, whoosh_sets
from forum.search.query import analyze

WORDS = ["invoice", "invoices", "export", "mobile", "report", "reports", "dark", "mode", "team", "slack"]


def _document(rng: random.Random, number: int) -> dict:
    def text(most: int) -> str:
        return " ".join(rng.choices(WORDS, k=rng.randint(0, most)))

    return {
        "id": str(number),
        "title": text(4),
        "body": text(12),
        "responses": text(3) if rng.random() < 0.2 else "",
        "comments": text(30) if rng.random() < 0.5 else "",
        "kind": rng.choice(["idea", "problem"]),
        "status": rng.choice(["open", "planned"]),
        "category": rng.choice(["1", "2", "3"]),
        "public": "no" if rng.random() < 0.1 else "yes",
        "similar": "no" if rng.random() < 0.2 else "yes",
    }


@pytest.fixture(scope="module")
def searcher(tmp_path_factory):
    """An index of four segments, with documents replaced and deleted in older segments."""
    rng = random.Random(7)
    ix = index.create_in(str(tmp_path_factory.mktemp("whoosh-sets")), whoosh_backend.schema())
    number = 0
    for _ in range(4):
        writer = ix.writer()
        for _ in range(150):
            number += 1
            writer.add_document(**_document(rng, number))
        for replaced in rng.sample(range(1, number + 1), 20):
            writer.update_document(**_document(rng, replaced))
        for deleted in rng.sample(range(1, number + 1), 10):
            writer.delete_by_term("id", str(deleted))
        writer.commit(merge=False)
    with ix.searcher() as searcher:
        assert len(searcher.leaf_searchers()) > 1
        assert any(reader.has_deletions() for reader, _ in searcher.reader().leaf_readers())
        yield searcher


def _searches():
    rng = random.Random(11)
    for _ in range(150):
        words = [analyze(w) for w in rng.sample(WORDS, rng.randint(1, 3))]
        if rng.random() < 0.05:
            words.append(["puffin"])  # in no document
        required = [(f, rng.choice(v)) for f, v in (("kind", ["idea", "problem"]), ("category", ["1", "2", "3"]))
                    if rng.random() < 0.3]  # fmt: skip
        excluded = [("public", "no")] if rng.random() < 0.8 else []
        yield words, required, excluded


def _whoosh_finds(searcher, words, required, excluded):
    """Every match, by Whoosh's own matchers (what a search with a phrase goes through)."""
    query = whoosh_backend.whoosh_query(words, [], required)
    return whoosh_backend._top(searcher, query, 10_000, excluded=excluded)


def test_sets_find_what_whoosh_finds_in_its_order(searcher):
    kept = whoosh_sets.Kept()
    for words, required, excluded in _searches():
        every = _whoosh_finds(searcher, words, required, excluded)
        # Whoosh adds a document's term scores in the order its matchers happen to be in, so two
        # documents of the same score can differ in the last bit: equal to 12 digits is a tie, and a
        # tie goes to the earlier document.
        theirs = sorted(every, key=lambda hit: (-round(hit.score, 12), hit.docnum))[:30]
        for sets in (kept, whoosh_sets.Kept(keep=False)):  # read afresh, and from what was kept
            docnums, total = whoosh_sets.top(
                searcher, sets, whoosh_backend.GROUPS, words, required=required, excluded=excluded, limit=30
            )
            assert total == len(every), (words, required, excluded)
            assert docnums == [hit.docnum for hit in theirs], (words, required, excluded)
    assert kept.postings and kept.lengths


def test_similar_posts_share_any_word_as_whoosh_finds_them(searcher):
    """`candidates()`: posts with any of the stems in their title or body, scored as Whoosh scores them."""
    rng = random.Random(5)
    kept = whoosh_sets.Kept()
    for _ in range(60):
        stems = sorted({stem for word in rng.sample(WORDS, rng.randint(1, 5)) for stem in analyze(word)})
        every = whoosh_backend._top(searcher, whoosh_backend.similar_query(stems), 10_000)
        theirs = sorted(every, key=lambda hit: (-round(hit.score, 12), hit.docnum))[:10]
        docnums, total = whoosh_sets.top(
            searcher, kept, whoosh_backend.SIMILAR_GROUPS, [[s] for s in stems],
            required=[("similar", "yes")], excluded=[], limit=10, any_word=True,
        )  # fmt: skip
        assert (docnums, total) == ([hit.docnum for hit in theirs], len(every)), stems
        assert total > 10


def test_the_searches_compared_find_many_and_none(searcher):
    """The comparison above means something: its searches find pages, several pages, and nothing."""
    totals = []
    for words, required, excluded in _searches():
        totals.append(len(_whoosh_finds(searcher, words, required, excluded)))
    assert min(totals) == 0 and max(totals) > 100 and sum(1 for t in totals if t > 30) > 20


def test_a_word_missing_from_the_index_matches_nothing(searcher):
    docnums, total = whoosh_sets.top(
        searcher, whoosh_sets.Kept(), whoosh_backend.GROUPS, [["puffin"], ["dark"]], required=[], excluded=[], limit=5
    )
    assert (docnums, total) == ([], 0)


def test_a_weighting_other_than_bm25f_goes_through_whoosh(searcher):
    other = Searcher(searcher.reader(), weighting=TF_IDF(), closereader=False)
    with pytest.raises(whoosh_sets.Unsupported):
        whoosh_sets.top(other, whoosh_sets.Kept(), whoosh_backend.GROUPS, [["dark"]], required=[], excluded=[], limit=5)


def test_the_scores_figures_are_read_again_with_a_newer_searcher(tmp_path):
    """idf and average lengths are kept per searcher: once the index changes, a word that became
    common weighs less, and the order follows."""
    ix = index.create_in(str(tmp_path), whoosh_backend.schema())
    titles = {}

    def add(*more: str) -> None:
        with ix.writer() as writer:
            for title in more:
                titles[str(len(titles) + 1)] = title
                writer.add_document(id=str(len(titles)), title=title, public="yes", similar="yes")

    add("dark dark dark export", "export export export dark", *["export report"] * 30)
    kept = whoosh_sets.Kept()

    def best(searcher):
        docnums, _ = whoosh_sets.top(
            searcher, kept, whoosh_backend.GROUPS, [["dark"], ["export"]], required=[], excluded=[], limit=2
        )
        return [titles[searcher.stored_fields(docnum)["id"]] for docnum in docnums]

    with ix.searcher() as searcher:
        assert best(searcher) == ["dark dark dark export", "export export export dark"]  # "dark" is rarer
    add(*["dark mode"] * 80)
    with ix.searcher() as searcher:
        assert best(searcher) == ["export export export dark", "dark dark dark export"]  # now "export" is
        theirs = _whoosh_finds(searcher, [["dark"], ["export"]], [], [])
        assert [titles[hit["id"]] for hit in sorted(theirs, key=lambda hit: -hit.score)][:2] == best(searcher)


def test_long_posting_lists_decoded_once_serve_every_process(searcher, tmp_path, monkeypatch):
    """A list decoded by one process is kept on disk; another process maps it instead of decoding
    it, and finds the same documents in the same order."""
    monkeypatch.setattr(whoosh_sets, "SHARED_FROM", 1)
    searches = list(_searches())[:40]

    def found(kept):
        return [
            whoosh_sets.top(searcher, kept, whoosh_backend.GROUPS, w, required=r, excluded=e, limit=30)
            for w, r, e in searches
        ]

    alone = found(whoosh_sets.Kept(keep=False))
    assert found(whoosh_sets.Kept(shared=tmp_path)) == alone
    segments = {reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()}
    assert {folder.name for folder in tmp_path.iterdir()} == segments
    decoded = []
    read = whoosh_internals.read_postings

    def reading(reader, field, text):
        ids, weights = read(reader, field, text)
        if ids:  # a term a segment holds (one it does not is looked up, and is not on disk)
            decoded.append((field, text))
        return ids, weights

    monkeypatch.setattr(whoosh_internals, "read_postings", reading)
    assert found(whoosh_sets.Kept(shared=tmp_path)) == alone  # another process: nothing decoded
    assert decoded == []
    found(whoosh_sets.Kept())  # the test means something: without the folder, lists are decoded
    assert len(decoded) > 20


def test_a_damaged_or_missing_decoded_list_is_decoded_again(searcher, tmp_path, monkeypatch):
    monkeypatch.setattr(whoosh_sets, "SHARED_FROM", 1)
    words = [["invoic"], ["export"]]
    first = whoosh_sets.top(searcher, whoosh_sets.Kept(shared=tmp_path), whoosh_backend.GROUPS, words,
                            required=[], excluded=[], limit=10)  # fmt: skip
    files = sorted(tmp_path.rglob("*.ids.npy"))
    files[0].write_bytes(files[0].read_bytes()[:-8])  # cut short, as by a crash or a full disk
    files[1].unlink()
    again = whoosh_sets.top(searcher, whoosh_sets.Kept(shared=tmp_path), whoosh_backend.GROUPS, words,
                            required=[], excluded=[], limit=10)  # fmt: skip
    assert again == first and first[1] > 10
    for written in files[:2]:  # written again, whole
        assert len(np.load(written)) == len(np.load(str(written).replace(".ids.", ".tf."))) > 0


def test_the_decoded_lists_of_segments_merged_away_are_removed(tmp_path):
    (tmp_path / "index").mkdir()
    ix = index.create_in(str(tmp_path / "index"), whoosh_backend.schema())
    shared = tmp_path / "decoded"
    for number in range(3):
        with ix.writer() as writer:
            writer.add_document(id=str(number), title="dark mode", public="yes", similar="yes")
    kept = whoosh_sets.Kept(shared=shared)
    with ix.searcher() as searcher:
        old = {reader.segment().segment_id() for reader, _ in searcher.reader().leaf_readers()}
        (shared / next(iter(old))).mkdir(parents=True)  # as a search leaves them
        whoosh_sets.forget_gone_segments(shared, searcher)
        assert [folder.name for folder in shared.iterdir()] == [next(iter(old))]
    ix.optimize()  # one segment replaces the three
    with ix.searcher() as searcher:
        whoosh_sets.forget_gone_segments(shared, searcher)
        assert list(shared.iterdir()) == []
        assert (
            whoosh_sets.top(searcher, kept, whoosh_backend.GROUPS, [["dark"]], required=[], excluded=[], limit=5)[1]
            == 3
        )
