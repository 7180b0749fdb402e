"""PostgreSQL's search documents (migration 0009) follow every write, whoever makes it, because
the database writes them; a capped total reads as such; both backends match by the same rule."""

import threading
import time

import pytest
from sqlalchemy import event, text

from forum import caching, search
from forum.extensions import db
from forum.models import Kind, Role
from forum.search import postgres
from forum.services import comments, moderation, responses
from forum.services import posts as post_service
from tests.conftest import TEST_DATABASE
from tests.search.conftest import searched, searching_with, title_of, titles

on_postgres = pytest.mark.skipif(
    TEST_DATABASE != "postgresql", reason="triggers and tsvectors: PostgreSQL only (runs in the PostgreSQL half)"
)


@pytest.fixture
def pg(app):
    with searching_with(app, "postgres") as backend:
        yield backend


def weights(post) -> dict[str, str]:
    """The post's document: each lexeme and the weights it has (A title, B body, C responses, D comments)."""
    db.session.rollback()  # a fresh snapshot: what other transactions committed
    rows = db.session.execute(
        text(
            "SELECT u.lexeme, array_to_string(u.weights, '') FROM search_documents d, unnest(d.document) u "
            "WHERE d.post_id = :id"
        ),
        {"id": post.id},
    )
    return {lexeme: "".join(sorted(set(found))) for lexeme, found in rows}


@on_postgres
def test_the_document_follows_posts_comments_and_responses(pg, make_post, make_user, category):
    author, moderator, staff = make_user(), make_user(Role.MODERATOR), make_user(Role.STAFF)
    post = make_post(author, title="Walrus board", body="Tusks everywhere.")
    assert weights(post) == {"walrus": "A", "board": "A", "tusk": "B", "everywher": "B"}

    post_service.edit_post(author, post, title="Walrus board", body="Whiskers now.", category=category,
                           kind=Kind.IDEA)  # fmt: skip
    db.session.commit()
    assert "tusk" not in weights(post) and weights(post)["whisker"] == "B"

    comment = comments.add_comment(make_user(), post, "The siphon leaks.")
    db.session.commit()
    assert weights(post)["siphon"] == "D"
    moderation.hide_comment(moderator, comment)
    db.session.commit()
    assert "siphon" not in weights(post)
    moderation.unhide_comment(moderator, comment)
    db.session.commit()
    assert weights(post)["siphon"] == "D"
    moderation.delete_comment(moderator, comment)
    db.session.commit()
    assert "siphon" not in weights(post)

    responses.respond(staff, post, "Planned: an Excel download.")
    db.session.commit()
    assert weights(post)["excel"] == "C"

    moderation.toggle_post(moderator, post, "hide")  # visibility is read from posts, not the document
    db.session.commit()
    assert titles("walrus") == [] and titles("walrus", moderator) == ["Walrus board"]
    assert not pg.check()


@on_postgres
def test_filters_and_vote_level_follow_the_post(pg, make_post, make_user, category):
    from forum.models import Category, Status
    from forum.services import votes

    staff, moderator = make_user(Role.STAFF), make_user(Role.MODERATOR)
    post = make_post(title="Lemming migration")
    other = Category(slug="arctic", name="Arctic")
    db.session.add(other)
    db.session.commit()

    def row():
        db.session.rollback()
        return db.session.execute(
            text("SELECT public, kind, status, category_id, vote_level FROM search_documents WHERE post_id = :id"),
            {"id": post.id},
        ).one()

    assert row() == (True, "idea", "open", category.id, 2)  # the author's vote: floor(2 * log2(2))
    responses.change_status(staff, post, Status.PLANNED)
    moderation.move_post(moderator, post, other)
    db.session.commit()
    assert row()[2:4] == ("planned", other.id)
    for _ in range(3):
        votes.add(make_user(), post)
        db.session.commit()
    assert row()[4] == 4  # 4 votes: floor(2 * log2(5))
    post_service.delete_post(moderator, post)
    db.session.commit()
    assert row()[0] is False and titles("lemming") == []
    assert not pg.check()


@on_postgres
def test_a_comment_and_a_vote_on_one_post_at_once_do_not_deadlock(pg, make_post, make_user):
    """A comment is written as comments.add_comment writes it: the row (its trigger writes the post's
    document), then the post's counter; a vote updates the post's counter, and past a vote level its
    trigger writes the document. Before migration 0013 the two took the post's and the document's locks
    in opposite orders: PostgreSQL cancelled one of them after a second (the bench's viral post)."""
    post, commenter = make_post(), make_user()
    post_id, commenter_id = post.id, commenter.id
    failed: list[Exception] = []
    with db.engine.connect() as commenting, db.engine.connect() as voting, db.engine.connect() as watching:
        voter = voting.execute(text("SELECT pg_backend_pid()")).scalar()
        voting.commit()
        commenting.execute(
            text(
                "INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) "
                "VALUES (:post, :author, 'Deadlock canary', '<p>Deadlock canary</p>', now(), false)"
            ),
            {"post": post_id, "author": commenter_id},
        )

        def vote():
            try:  # 1 -> 100 votes: past a vote level, so the document is written too
                voting.execute(text("UPDATE posts SET vote_count = vote_count + 99 WHERE id = :id"), {"id": post_id})
                voting.commit()
            except Exception as error:  # reported below, in the test's thread
                failed.append(error)

        thread = threading.Thread(target=vote)
        thread.start()
        for _ in range(500):  # until the vote waits for a lock the comment holds
            waits = watching.execute(
                text("SELECT wait_event_type FROM pg_stat_activity WHERE pid = :pid"), {"pid": voter}
            ).scalar()
            watching.commit()
            if waits == "Lock":
                break
            time.sleep(0.01)
        assert waits == "Lock"
        commenting.execute(text("UPDATE posts SET comment_count = comment_count + 1 WHERE id = :id"), {"id": post_id})
        commenting.commit()
        thread.join(10)
    assert not thread.is_alive() and failed == []
    db.session.rollback()
    assert db.session.execute(
        text(
            "SELECT p.vote_count, p.comment_count, d.vote_level FROM posts p JOIN search_documents d "
            "ON d.post_id = p.id WHERE p.id = :id"
        ),
        {"id": post_id},
    ).one() == (100, 1, 13)  # floor(2 * log2(101))
    assert weights(post)["canari"] == "D"
    assert not pg.check()


@on_postgres
def test_a_rolled_back_write_leaves_the_document_as_it_was(pg, make_post, make_user):
    post = make_post(title="Heron pond")
    comments.add_comment(make_user(), post, "Kingfisher sighting.")
    db.session.flush()
    inside = db.session.scalar(text("SELECT document FROM search_documents WHERE post_id = :id"), {"id": post.id})
    assert "'kingfish':" in inside  # written in the same transaction as the comment
    db.session.rollback()
    assert "kingfish" not in weights(post)
    assert not pg.check()


@on_postgres
def test_bulk_writes_outside_the_app_are_followed(pg, make_post, make_user):
    """psql, `flask bench seed`'s COPY: the triggers see every statement, of one row or thousands."""
    post = make_post(title="Otter dam")
    other = make_post(title="Beaver lodge")
    author = make_user()
    rows = ", ".join(
        f"({p.id}, {author.id}, 'Comment {n} about {word}', '<p>x</p>', now(), {hidden})"
        for n, (p, word, hidden) in enumerate(
            [(post, "salmon", "false"), (post, "trout", "true"), (other, "pike", "false"), (other, "carp", "false")]
        )
    )
    db.session.execute(
        text(f"INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) VALUES {rows}")
    )
    db.session.commit()
    assert "salmon" in weights(post) and "trout" not in weights(post)
    assert {"pike", "carp"} <= set(weights(other))
    db.session.execute(text("UPDATE comments SET is_hidden = NOT is_hidden WHERE post_id = :id"), {"id": post.id})
    db.session.execute(text("DELETE FROM comments WHERE post_id = :id AND body LIKE '%pike%'"), {"id": other.id})
    db.session.execute(text("UPDATE posts SET title = 'Otter weir' WHERE id = :id"), {"id": post.id})
    db.session.commit()
    assert "trout" in weights(post) and "salmon" not in weights(post) and weights(post)["weir"] == "A"
    assert "pike" not in weights(other) and "carp" in weights(other)
    assert not pg.check()


@on_postgres
def test_comments_past_the_limit_are_counted_not_indexed(pg, make_post, make_user):
    """A tsvector holds at most 1 MB: a post's comments are indexed up to COMMENT_CHARS characters,
    the same ones whether they came one at a time or were rebuilt from the table."""
    from forum.models.search import COMMENT_CHARS

    post = make_post(title="Busy thread")
    author = make_user()
    filler = "lorem " * 166  # 996 characters, one lexeme
    insert = text(
        "INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) "
        "VALUES (:post, :author, :body, '<p>x</p>', now(), false)"
    )
    many = COMMENT_CHARS // 1000
    db.session.execute(insert, [{"post": post.id, "author": author.id, "body": filler}] * many)
    db.session.commit()
    db.session.execute(insert, {"post": post.id, "author": author.id, "body": "early albatross"})
    db.session.commit()
    for word in ("late", "cormorant"):  # one at a time, as the app adds them: past the limit
        db.session.execute(insert, {"post": post.id, "author": author.id, "body": f"{word} " * 150})
        db.session.commit()
    found = weights(post)
    assert found["albatross"] == "D" and "cormor" not in found and "late" not in found
    chars = db.session.scalar(text("SELECT comment_chars FROM search_documents WHERE post_id = :id"), {"id": post.id})
    assert chars > COMMENT_CHARS
    assert not pg.check()  # a rebuild from the table indexes the same comments
    pg.reindex()
    assert weights(post) == found


@on_postgres
def test_check_finds_drift_and_fix_and_reindex_repair_it(pg, app, make_post):
    kept = make_post(title="Pelican export")
    gone = make_post(title="Heron import")
    db.session.execute(text("SET session_replication_role = replica"))  # triggers off: a drift to find
    db.session.execute(text("DELETE FROM search_documents WHERE post_id = :id"), {"id": kept.id})
    db.session.execute(text("UPDATE posts SET title = 'Heron bulk import' WHERE id = :id"), {"id": gone.id})
    db.session.execute(text("SET session_replication_role = origin"))
    db.session.commit()
    drift = pg.check()
    assert (drift.missing, drift.stale, drift.extra) == ([kept.id], [gone.id], [])
    runner = app.test_cli_runner()
    report = runner.invoke(args=["search", "check"])
    assert report.exit_code == 1 and "1 post missing from the index" in report.output
    assert runner.invoke(args=["search", "check", "--fix"]).exit_code == 0
    assert not pg.check()
    assert titles("pelican") == ["Pelican export"] and titles("bulk") == ["Heron bulk import"]
    reindexed = runner.invoke(args=["search", "reindex"])
    assert reindexed.exit_code == 0 and "Indexed 2 posts" in reindexed.output


@on_postgres
def test_bench_seed_leaves_every_document_in_place(pg):
    from bench.seed import seed

    summary = seed(posts=60, votes=150, comments=90, users=12)
    assert summary.posts == 60
    assert not pg.check()
    assert titles("export") and len(titles("dark mode")) <= 20


@on_postgres
def test_a_capped_total_says_more_than(pg, client, make_post, make_user, monkeypatch):
    monkeypatch.setattr(postgres, "BEST_MATCHES", 3)
    author = make_user()
    for n in range(5):
        make_post(author, title=f"Puffin colony {n}")
    results = searched("puffin", per_page=2)
    assert (int(results.total), results.total.capped, len(results.hits), results.has_next) == (3, True, 2, True)
    last = searched("puffin", per_page=2, page=2)
    assert (len(last.hits), last.has_next) == (1, False)
    beyond = searched("puffin", per_page=2, page=3)
    assert (beyond.hits, int(beyond.total), beyond.total.capped) == ([], 3, True)
    html = client.get("/search?q=puffin").get_data(as_text=True)
    assert "More than 3 posts found" in html
    past = client.get("/search?q=puffin&page=2").get_data(as_text=True)
    assert "More than 3 posts found, and only the best 3 are listed: more words or a filter narrow them down." in past
    monkeypatch.setattr(postgres, "BEST_MATCHES", 5)
    with client.application.app_context():
        caching.written()  # a setting changed, not the data: the cached page goes
    assert "5 posts found" in client.get("/search?q=puffin").get_data(as_text=True)


@on_postgres
def test_the_most_voted_tier_gives_the_same_results(pg, make_post, make_user, monkeypatch):
    """Searching the TIER most voted posts first is only faster: the same pages, the same totals."""
    from forum.services import votes

    author = make_user()
    voters = [make_user() for _ in range(7)]
    for n in range(8):
        post = make_post(author, title=f"Tern {'colony' if n % 2 else 'nest'} {n}")
        for voter in voters[:n]:
            votes.add(voter, post)
        db.session.commit()

    def pages(text_):
        return [
            (
                [title_of(h) for h in r.hits],
                int(r.total),
                r.total.capped,
            )
            for r in (searched(text_, per_page=2, page=page) for page in (1, 2, 3))
        ]

    monkeypatch.setattr(postgres, "BEST_MATCHES", 3)
    plain = {text_: pages(text_) for text_ in ("tern", "colony", "nest 0")}
    for tier in (1, 3, 5):
        monkeypatch.setattr(postgres, "TIER", tier)
        pg._tier = None
        assert {text_: pages(text_) for text_ in plain} == plain
    assert plain["tern"][0][1:] == (3, True) and plain["nest 0"][0] == (["Tern nest 0"], 1, False)
    pg._tier = None


@on_postgres
def test_each_search_is_planned_for_its_own_words(pg, make_post, client):
    """psycopg prepares a statement it has run 5 times, and PostgreSQL then plans it once for any
    words (60-100 ms instead of 20-25 for two words at 100,000 posts). The search page never lets
    it: its statements are never prepared, so each is planned for its own words. Through the pages:
    the search page reads without a transaction (reads_only), where the `SET LOCAL plan_cache_mode`
    this used before did nothing. (Similar posts compare sentence vectors, not full-text ranks.)"""
    make_post(title="Puffin burrows")
    db.session.commit()
    prepared = []

    def count_prepared(conn, cursor, statement, parameters, context, executemany):
        if "ts_rank" in statement:
            found = cursor.connection.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%ts_rank%'", prepare=False
            )
            prepared.append(found.fetchone()[0])

    event.listen(db.engine, "after_cursor_execute", count_prepared)
    try:
        for n in range(12):
            page = client.get(f"/search?q=puffin+burrow{'s' if n == 0 else n}")
            assert page.status_code == 200
            assert ("Puffin burrows" in page.text) == (n == 0)
    finally:
        event.remove(db.engine, "after_cursor_execute", count_prepared)
    assert prepared == [0] * 12


@on_postgres
def test_each_field_group_has_its_own_index_and_no_document_is_matched_again(pg, make_post, make_user):
    """A search reads the title-and-body, responses and comments indexes (migration 0012), which answer
    exactly: one GIN index on the document with weighted lexemes gave candidates holding the words
    in different fields, and PostgreSQL matched every candidate's document again to drop them."""
    split = make_post(title="Shearwater colony", body="On the cliffs.")
    comments.add_comment(make_user(), split, "Petrels nest nearby.")  # the words split between title and comment
    make_post(title="Shearwater and petrel", body="Both.")
    db.session.commit()
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if "ts_rank" in statement:
            found = cursor.connection.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters, prepare=False)
            plans.append(found.fetchone()[0][0]["Plan"])

    # A handful of rows: without these the planner would read the table rather than any index.
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    db.session.execute(text("SET LOCAL enable_indexscan = off"))
    event.listen(db.engine, "after_cursor_execute", explain)
    try:
        assert titles("shearwater petrel") == ["Shearwater and petrel"]
    finally:
        event.remove(db.engine, "after_cursor_execute", explain)

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    scanned = [node for node in nodes(plans[0]) if node["Node Type"] in ("Bitmap Index Scan", "Bitmap Heap Scan")]
    assert {n["Index Name"] for n in scanned if "Index Name" in n} == {
        "ix_search_documents_title_body",
        "ix_search_documents_responses",
        "ix_search_documents_comments",
    }
    heap = [n for n in scanned if n["Node Type"] == "Bitmap Heap Scan"]
    assert [(n["Actual Rows"], n.get("Rows Removed by Index Recheck", 0)) for n in heap] == [(1, 0)]
    # Each search reads an index's whole pending list of new entries: kept to 64 kB, not 4 MB.
    options = db.session.execute(
        text("SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'ix_search_documents_%' AND relam = "
             "(SELECT oid FROM pg_am WHERE amname = 'gin') ORDER BY relname")
    ).all()  # fmt: skip
    limit = ["gin_pending_list_limit=64"]
    assert [tuple(row) for row in options] == [
        (f"ix_search_documents_{name}", limit) for name in ("comments", "responses", "title_body")
    ]


def test_an_exact_total_reads_as_a_number():
    assert str(search.Total(1234)) == "1234" and str(search.Total(2000, capped=True)) == "more than 2,000"
    assert search.Total(1) == 1 and not search.Total(5).capped


def test_all_the_words_in_one_field_title_and_body_responses_or_comments(search_backend, make_post, make_user):
    """Every backend: a post matches when all the words are in its title and body, or all in its
    official responses (taken together), or all in its visible comments (taken together)."""
    staff = make_user(Role.STAFF)
    split = make_post(title="Gannet feeding", body="At sea.")
    comments.add_comment(make_user(), split, "Mostly mackerel.")
    talked = make_post(title="Seabirds", body="Colonies.")
    comments.add_comment(make_user(), talked, "A gannet dives.")
    comments.add_comment(make_user(), talked, "It eats mackerel.")
    answered = make_post(title="Cliffs", body="Nesting.")
    responses.respond(staff, answered, "The razorbill nests here.")
    responses.respond(staff, answered, "Guillemots too.")
    db.session.commit()
    assert titles("gannet mackerel") == ["Seabirds"]  # never split between title and comment
    assert titles("razorbill guillemot") == ["Cliffs"]
    assert titles("gannet sea") == ["Gannet feeding"]
