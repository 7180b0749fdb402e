"""Every use of Whoosh's non-public parts, in one place. Written for Whoosh 2.7.4 (RELIES_ON).

Whoosh has had no release since 2.7.4 (2016), so these parts have not moved; should the pinned
version ever change, tests/search/test_whoosh_internals.py fails at once, and on any other version
`SUPPORTED` is False: the backend then uses Whoosh's public API alone (slower, the same results).

- `read_postings` and `read_lengths`: a term's posting list and a field's lengths, decoded a block
  (or a column) at a time rather than a posting at a time (for whoosh_sets).
- `refreshed`: the searcher of a newer generation, keeping the readers of the segments that did not
  change. Whoosh's own `Searcher.refresh()` files its old readers by generation and looks them up by
  segment id, so it never finds one and reopens every segment, and opening a segment copies its whole
  terms file.
- `cancel`: a cancelled writer's segment files deleted at once (Whoosh leaves them until a later commit).
- `unique_names`: segment and temporary file names drawn from the system's randomness. Whoosh draws
  them from the `random` module, whose state any code may seed (Hypothesis and pytest-randomly reseed
  it for every test): two writers then named their segments alike and deleted each other's files.
"""

import contextlib
import secrets
from array import array

import whoosh
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching import FilterMatcher
from whoosh.reading import EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

RELIES_ON = "2.7.4"
SUPPORTED = whoosh.versionstring() == RELIES_ON


def _system_random_name(size: int = 28) -> str:
    return "".join(secrets.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(size))


def unique_names() -> None:
    """Name Whoosh's segments and temporary files from the system's randomness (see the docstring)."""
    import whoosh.codec.base
    import whoosh.filedb.compound
    import whoosh.filedb.filestore
    import whoosh.writing

    for module in (whoosh.codec.base, whoosh.filedb.compound, whoosh.filedb.filestore, whoosh.writing):
        module.random_name = _system_random_name


unique_names()


def read_postings(reader: SegmentReader, field: str, text: str) -> tuple[array, array]:
    """The document numbers and term frequencies of one term in one segment, deleted documents
    included (the caller takes them out)."""
    ids, weights = array("i"), array("f")
    if (field, text) not in reader:
        return ids, weights
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):  # deleted documents
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


def read_length_codes(reader: SegmentReader, field: str) -> bytes | None:
    """Each document's length of the field as Whoosh stores it (a byte per document, decoded with
    whoosh.util.numeric.byte_to_length); None when no document of the segment has the field."""
    count = reader.doc_count_all()
    column = reader._perdoc._cached_reader(f"_{field}_len", LENGTHS_COLUMN)
    if column is None:
        return None
    if isinstance(column, NumericColumn.Reader) and column._fixedlen == 1:  # all of it in one read
        return column._dbfile.get(column._basepos, column._count) + bytes(count - column._count)
    return bytes(column)


def refreshed(searcher: Searcher) -> Searcher:
    """A searcher of the index's latest generation that keeps the readers of the segments it shares
    with `searcher`, which it replaces (`searcher` must not be used after). A segment's files never
    change; its deletions live in the segment's record in the TOC, so a kept reader is handed the
    new record (the reader and its per-document reader each hold it)."""
    ix = searcher._ix
    toc = ix._read_toc()
    kept = {reader.segment().segment_id(): reader for reader, _ in searcher.ixreader.leaf_readers()}
    readers = []
    for segment in toc.segments:
        reader = kept.pop(segment.segment_id(), None)
        if reader is None:
            reader = SegmentReader(ix.storage, toc.schema, segment, generation=toc.generation)
        else:
            reader._segment = reader._perdoc._segment = segment
            reader._gen = toc.generation
        readers.append(reader)
    for reader in kept.values():  # segments merged away
        reader.close()
    if not readers:
        combined = EmptyReader(toc.schema)
    elif len(readers) == 1:
        combined = readers[0]
    else:
        combined = MultiReader(readers, generation=toc.generation)
    return Searcher(combined, fromindex=ix, weighting=searcher.weighting)


def index_of(searcher: Searcher):
    """The index a searcher was opened from."""
    return searcher._ix


def cancel(writer) -> None:
    """Cancel a writer and delete the files it opened for its segment (three per writer), which
    Whoosh leaves until a later commit cleans the folder: on a busy thread, where each comment past
    the indexed length cancels its writer, hundreds piled up between commits."""
    segment = writer.newsegment.segment_id() + "."
    writer.cancel()
    for name in writer.storage.list():
        if name.startswith(segment):
            with contextlib.suppress(OSError):  # already gone
                writer.storage.delete_file(name)
