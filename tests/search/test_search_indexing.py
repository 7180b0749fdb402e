"""The Whoosh index follows the database: after commits only, repaired when it drifts,
and safe with several processes writing at once."""

import contextvars
import multiprocessing
import os
import re

import pytest

from forum import search
from forum.extensions import db
from forum.models import Kind, Post
from forum.services import posts as post_service
from tests.conftest import TEST_DATABASE
from tests.search.conftest import searched, title_of


def titles(text):
    results = searched(text)
    return [title_of(hit) for hit in results.hits]


def test_the_index_changes_after_the_commit_never_before(whoosh_index, make_user, category):
    author = make_user()
    post_service.create_post(author, kind=Kind.IDEA, title="Walrus mode", body="b", category=category)
    db.session.flush()
    assert titles("walrus") == []
    db.session.rollback()
    assert titles("walrus") == []
    post_service.create_post(author, kind=Kind.IDEA, title="Walrus mode", body="b", category=category)
    db.session.commit()
    assert titles("walrus") == ["Walrus mode"]
    assert not whoosh_index.check()


def test_check_reports_drift_and_reindex_repairs_it(whoosh_index, make_post):
    kept = make_post(title="Pelican export")
    gone = make_post(title="Heron import")
    writer = whoosh_index._writer()
    writer.delete_by_term("id", str(kept.id))
    writer.commit()
    db.session.execute(db.update(Post).where(Post.id == gone.id).values(title="Heron bulk import"))
    db.session.commit()  # a bulk UPDATE: the listener does not see it
    drift = whoosh_index.check()
    assert drift.missing == [kept.id] and drift.stale == [gone.id]
    assert whoosh_index.reindex() == 2
    assert not whoosh_index.check()
    assert titles("pelican") == ["Pelican export"]


def test_a_locked_index_journals_the_update_and_the_next_one_catches_up(whoosh_index, make_post, monkeypatch):
    from forum.search import whoosh_backend

    monkeypatch.setattr(whoosh_backend, "WRITE_TIMEOUT", 0.2)
    blocker = whoosh_index._writer()  # another worker holds the lock
    try:
        make_post(title="Albatross timeline")  # the request succeeds; its index update waits, then gives up
    finally:
        blocker.cancel()
    assert titles("albatross") == []
    make_post(title="Puffin calendar")
    assert titles("albatross") == ["Albatross timeline"]
    assert not whoosh_index.check()


def _index_from_another_process(database_url, index_dir, post_ids, rounds):
    from forum import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_INDEX_DIR": index_dir,
                      "SEARCH_BACKEND": "whoosh", "SECRET_KEY": "x"})  # fmt: skip
    with app.app_context():
        for _ in range(rounds):
            search.backend().add_to_index(post_ids)
        db.engine.dispose()


def test_several_processes_write_the_index_at_once(whoosh_index, app, make_post, make_user):
    author = make_user()
    ids = [make_post(author, title=f"Concurrent kestrel {n}").id for n in range(12)]
    whoosh_index.reindex()
    context = multiprocessing.get_context("spawn")
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    workers = [
        context.Process(target=_index_from_another_process, args=(url, app.config["SEARCH_INDEX_DIR"], ids[n::4], 5))
        for n in range(4)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [w.exitcode for w in workers] == [0, 0, 0, 0]
    assert not whoosh_index.check()
    assert len(titles("kestrel")) == 12


def test_a_failed_index_commit_releases_the_lock_and_is_caught_up(whoosh_index, make_post, monkeypatch):
    from whoosh.writing import SegmentWriter

    from forum.search import whoosh_backend

    monkeypatch.setattr(whoosh_backend, "WRITE_TIMEOUT", 0.2)
    real_commit = SegmentWriter.commit

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(SegmentWriter, "commit", broken)
    make_post(title="Cormorant sync")  # the post is saved; its index update fails
    monkeypatch.setattr(SegmentWriter, "commit", real_commit)
    writer = whoosh_index._writer()  # the lock is free again: no LockError after 0.2 s
    writer.cancel()
    make_post(title="Gannet export")
    assert titles("cormorant") == ["Cormorant sync"]
    assert not whoosh_index.check()


def test_after_a_write_searches_reopen_only_the_new_segments_and_see_each_edit_once(
    whoosh_index, make_user, make_post, category
):
    """Whoosh 2.7.4's Searcher.refresh() reopened every segment after each write (~40 ms at 100,000
    posts, in every process and in the write itself): the kept searcher now keeps the readers of the
    segments that did not change, handed their new deletions."""
    author = make_user()
    posts = [make_post(author, title=f"Osprey {name}", body="Fish.") for name in ("dive", "nest", "call")]
    assert sorted(titles("osprey")) == ["Osprey call", "Osprey dive", "Osprey nest"]
    before = {
        reader.segment().segment_id(): reader for reader, _ in whoosh_index._searcher_kept.ixreader.leaf_readers()
    }

    post_service.edit_post(author, posts[0], title="Osprey plunge", body="Fish.", category=category, kind=Kind.IDEA)
    db.session.commit()  # the old document is deleted in its segment, the new one written in another

    assert sorted(titles("osprey")) == ["Osprey call", "Osprey nest", "Osprey plunge"]
    assert titles("dive") == [] and titles("plunge") == ["Osprey plunge"]
    results = searched("fish")
    assert results.total == 3
    after = {reader.segment().segment_id(): reader for reader, _ in whoosh_index._searcher_kept.ixreader.leaf_readers()}
    assert len(after) >= 2
    for segment_id, reader in after.items():
        if segment_id in before:
            assert reader is before[segment_id] and not reader.is_closed
    assert set(after) & set(before)  # at least one segment read again without reopening it
    assert not whoosh_index.check()


def test_a_comment_is_indexed_once_its_response_is_sent(whoosh_index, app, make_post, make_user):
    """In a request the index update waits for the response to be sent (a busy thread's document
    takes ~260 ms to index at 100,000 posts); until then the post is in the journal, so a process
    that dies in between leaves it to the next update."""
    import contextvars

    from flask.testing import FlaskClient

    from tests.conftest import csrf_token_from

    post = make_post(title="Puffin colony")
    member_id, post_id = make_user().get_id(), post.id

    def comment_unsent():  # in a context of its own, as IsolatedClient does, without closing the response
        browser = FlaskClient(app, use_cookies=True)
        with browser.session_transaction() as session:
            session["_user_id"] = member_id
        token = csrf_token_from(browser.get("/__csrf__").get_data(as_text=True))
        response = browser.post(f"/posts/{post_id}/comments", data={"body": "Guillemots nest here too.",
                                "csrf_token": token}, headers={"X-CSRFToken": token})  # fmt: skip
        browser._context_stack.close()
        return response

    response = contextvars.Context().run(comment_unsent)
    assert response.status_code == 303
    db.session.rollback()
    assert titles("guillemots") == []  # committed, not yet indexed
    assert whoosh_index._journal().read_text().split() == [str(post.id)]
    response.close()  # the server has sent the response
    assert titles("guillemots") == ["Puffin colony"]
    assert not whoosh_index.check()


@pytest.mark.skipif(
    TEST_DATABASE != "sqlite",
    reason="SQLite's single write lock; PostgreSQL reads never wait (runs in the SQLite half)",
)
def test_the_index_update_reads_without_the_write_lock(whoosh_index, app, make_post):
    """The update reads the posts outside a request, where a transaction would begin by taking SQLite's
    write lock (extensions._sqlite_on_begin): reading a busy thread's comments held every vote and
    comment of the forum. It reads while another connection holds the lock."""
    post_id = make_post(title="Shearwater burrows").id
    db.session.rollback()
    with db.engine.connect() as other:  # another process, writing: it holds the write lock
        other.execute(db.update(Post).where(Post.id == post_id).values(title="Shearwater burrows"))
        try:
            contextvars.Context().run(update_after_a_response, app, whoosh_index, post_id)
        finally:
            other.rollback()
    assert titles("shearwater") == ["Shearwater burrows"]
    assert not whoosh_index.check()


def update_after_a_response(app, backend, post_id: int) -> None:
    """As `_catch_up` runs it: an app context, no request (the test's own is a GET's, which reads
    without the lock anyway). Reading in a transaction, it waited for the lock, then failed: "database
    is locked"."""
    with app.app_context():
        backend.add_to_index([post_id])


def test_a_threads_comments_are_indexed_up_to_the_limit_and_later_ones_write_nothing(
    whoosh_index, make_post, make_user
):
    """PostgreSQL's rule (migration 0009): a post's visible comments are indexed up to COMMENT_CHARS
    characters, the earliest first. Past it a comment leaves the document as it is, so the update
    writes no index generation: on a viral thread each comment re-tokenized the whole thread."""
    from forum.models import Comment
    from forum.models.search import COMMENT_CHARS
    from forum.services import comments as comment_service

    post = make_post(title="Busy thread")
    author = make_user()
    filler = "lorem " * 166  # 996 characters
    fill = range(COMMENT_CHARS // 1000)
    db.session.add_all(Comment(post_id=post.id, author_id=author.id, body=filler, body_html="<p>x</p>") for _ in fill)
    db.session.commit()
    comment_service.add_comment(author, post, "An early albatross.")
    db.session.commit()
    assert titles("albatross") == ["Busy thread"]
    quiet = make_post(title="Quiet thread")
    generation = whoosh_index._index().latest_generation()
    comment_service.add_comment(author, post, "late cormorant " * 70)
    db.session.commit()
    assert titles("cormorant") == [] and titles("albatross") == ["Busy thread"]
    assert whoosh_index._index().latest_generation() == generation
    assert segments_on_disk(whoosh_index) == {s.segment_id() for s in whoosh_index._index()._segments()}
    assert not whoosh_index.check()  # a rebuild from the tables would index the same comments
    comment_service.add_comment(author, quiet, "A cormorant, at last.")
    db.session.commit()
    assert titles("cormorant") == ["Quiet thread"]
    assert whoosh_index._index().latest_generation() == generation + 1


def segments_on_disk(backend) -> set[str]:
    """The segments whose files are in the index folder (`MAIN_<id>.<part>`)."""
    return {name.split(".")[0] for name in os.listdir(backend.directory) if re.match(r"MAIN_[0-9a-z]+\.", name)}


@pytest.mark.parametrize("results_kept, index_reads", [(256, 1), (0, 3)])
def test_a_repeated_search_reads_the_index_again_only_when_no_results_are_kept(
    whoosh_index, app, make_post, monkeypatch, results_kept, index_reads
):
    """SEARCH_RESULTS_KEPT=0 (the benchmark's "nothing kept" searches) answers every search from the
    index; by default a repeated search is answered from the results kept for that index generation."""
    from forum.search import whoosh_sets
    from forum.search.whoosh_backend import WhooshBackend

    make_post(title="Heron fishing at dawn")
    make_post(title="Heron nest")
    backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"], results_kept=results_kept)
    reads = []
    top = whoosh_sets.top
    monkeypatch.setattr(whoosh_sets, "top", lambda *args, **kwargs: reads.append(args) or top(*args, **kwargs))
    parsed = search.parse("heron")
    answers = [backend.query_index(parsed, search.Filters(), offset=0, limit=20) for _ in range(3)]

    assert answers[0].total == 2 and len(answers[0].post_ids) == 2
    assert all(answer == answers[0] for answer in answers)
    assert len(reads) == index_reads
