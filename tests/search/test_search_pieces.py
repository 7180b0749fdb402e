"""SQLite's search pieces (migration 0010) follow every write, whoever makes it, because the database
writes them; `flask search check` finds drift and `reindex` repairs it; FTS5's query syntax is never
reachable from the search box."""

import pytest
from sqlalchemy import text

from forum import create_app, search
from forum.extensions import db
from forum.models import AnonymousUser, Kind, Role
from forum.permissions import Guardian
from forum.search import sqlite
from forum.services import comments, moderation, responses
from forum.services import posts as post_service
from tests.conftest import TEST_DATABASE
from tests.search.conftest import searching_with, titles

pytestmark = pytest.mark.skipif(TEST_DATABASE != "sqlite", reason="FTS5 tables and triggers: SQLite only")


@pytest.fixture
def fts(app):
    with searching_with(app, "sqlite") as backend:
        yield backend


def pieces(post) -> int:
    return db.session.scalar(text(f"SELECT count(*) FROM search_pieces WHERE {sqlite.POST_OF} = :id"), {"id": post.id})


def levels(post) -> set[int]:
    """The vote levels the post's pieces are filed under (the bit length of its vote count)."""
    return set(db.session.scalars(text(f"SELECT rowid >> 56 FROM search_pieces WHERE {sqlite.POST_OF} = :id"),
                                  {"id": post.id}))  # fmt: skip


def test_the_pieces_follow_posts_comments_and_responses(fts, make_post, make_user, category):
    author, moderator, staff = make_user(), make_user(Role.MODERATOR), make_user(Role.STAFF)
    post = make_post(author, title="Walrus board", body="Tusks everywhere.")
    assert titles("tusk") == ["Walrus board"] and pieces(post) == 1

    post_service.edit_post(author, post, title="Walrus board", body="Whiskers now.", category=category,
                           kind=Kind.IDEA)  # fmt: skip
    db.session.commit()
    assert titles("tusks") == [] and titles("whisker") == ["Walrus board"]

    comment = comments.add_comment(make_user(), post, "The siphon leaks.")
    db.session.commit()
    assert titles("siphon") == ["Walrus board"] and pieces(post) == 2
    moderation.hide_comment(moderator, comment)
    db.session.commit()
    assert titles("siphon") == [] and pieces(post) == 1
    moderation.unhide_comment(moderator, comment)
    db.session.commit()
    assert titles("siphon") == ["Walrus board"]
    moderation.delete_comment(moderator, comment)
    db.session.commit()
    assert titles("siphon") == [] and pieces(post) == 1

    responses.respond(staff, post, "Planned: an Excel download.")
    db.session.commit()
    assert titles("excel") == ["Walrus board"] and pieces(post) == 2

    moderation.toggle_post(moderator, post, "hide")  # visibility is read from posts, not the pieces
    db.session.commit()
    assert titles("walrus") == [] and titles("walrus", moderator) == ["Walrus board"]
    assert not fts.check()


def test_a_rolled_back_write_leaves_the_pieces_as_they_were(fts, make_post, make_user):
    post = make_post(title="Heron pond")
    comments.add_comment(make_user(), post, "Kingfisher sighting.")
    db.session.flush()
    assert titles("kingfisher") == ["Heron pond"]  # written in the same transaction as the comment
    db.session.rollback()
    assert titles("kingfisher") == [] and pieces(post) == 1
    assert not fts.check()


def test_writes_outside_the_app_are_followed(fts, make_post, make_user):
    """The sqlite3 shell, `flask bench seed`'s bulk inserts: the triggers see every row."""
    post = make_post(title="Otter dam")
    author = make_user()
    db.session.execute(
        text(
            "INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) "
            "VALUES (:post, :author, 'Beavers build faster.', '<p>Beavers build faster.</p>', "
            "'2026-11-26 08:00:00', 0)"
        ),
        {"post": post.id, "author": author.id},
    )
    db.session.execute(text("UPDATE posts SET title = 'Otter lodge' WHERE id = :id"), {"id": post.id})
    db.session.commit()
    assert titles("beaver") == ["Otter lodge"] and titles("dam") == [] and titles("lodge") == ["Otter lodge"]
    assert not fts.check()


def test_check_reports_drift_and_reindex_repairs_it(fts, make_post, make_user):
    kept = make_post(title="Pelican export", body="Nets.")
    talked = make_post(title="Cormorant", body="Dives.")
    comments.add_comment(make_user(), talked, "Grebe nearby.")
    db.session.commit()
    # The pieces lose a post and a comment (taken out as FTS5 requires, with their indexed words: a
    # comment piece's rowid is its id, level 0 and kind 0),
    # and keep a piece of a post that is gone.
    post_piece = (1 << 56) | (sqlite.POST << 54)  # one vote: the author's
    db.session.execute(text(
        "INSERT INTO search_pieces(search_pieces, rowid, title, body) "
        "VALUES ('delete', :rowid, 'Pelican export', 'Nets.')"
    ), {"rowid": post_piece | kept.id})  # fmt: skip
    db.session.execute(text(
        "INSERT INTO search_pieces(search_pieces, rowid, comment) "
        "SELECT 'delete', id, body FROM comments WHERE post_id = :id"
    ), {"id": talked.id})  # fmt: skip
    db.session.execute(
        text("INSERT INTO search_pieces(rowid, title) VALUES (:rowid, 'Ghost')"), {"rowid": post_piece | 999}
    )
    db.session.commit()
    drift = fts.check()
    assert (drift.missing, drift.stale, drift.extra) == ([kept.id], [talked.id], [999])
    assert titles("pelican") == [] and titles("grebe") == []
    assert fts.rebuild() == 2
    assert not fts.check()
    assert titles("pelican") == ["Pelican export"] and titles("grebe") == ["Cormorant"] and titles("ghost") == []


@pytest.mark.parametrize(
    "typed",
    ['NEAR(dark mode)', "title:dark", "{title body}: dark", "dark*", "^dark", 'dark" OR "mode', "dark AND OR NOT",
     "dark + mode", "'dark'", "-dark", "dark.mode"],
)  # fmt: skip
def test_fts5_syntax_in_the_box_is_only_words(fts, make_post, client, typed):
    make_post(title="Dark mode please", body="Near the title and body, at night.")  # every word typed below
    make_post(title="Light theme", body="Day.")
    page = client.get("/search", query_string={"q": typed})
    assert page.status_code == 200
    assert "Dark mode please" in page.get_data(as_text=True) and "Light theme" not in page.get_data(as_text=True)


def test_phrases_stop_words_and_stems(fts, make_post):
    make_post(title="Dark mode for the web app", body="Please.")
    make_post(title="Mode of payment in the dark", body="Hm.")
    assert titles('"dark mode"') == ["Dark mode for the web app"]
    assert titles('"web app"') == ["Dark mode for the web app"]
    assert titles("the darkest modes") == []  # "darkest" is not a form of "dark" to Porter
    assert titles("payments modes") == ["Mode of payment in the dark"]


def test_the_sqlite_backend_needs_a_sqlite_database():
    with pytest.raises(ValueError, match="DATABASE_URL must be SQLite"):
        create_app({"SEARCH_BACKEND": "sqlite", "SQLALCHEMY_DATABASE_URI": "postgresql://127.0.0.1/none"})


def test_a_filter_that_leaves_out_the_best_pieces_reads_further(fts, make_user, category):
    """The page is made from FTS5's best pieces; when none of their posts pass the filter, more are read."""
    author = make_user()
    for n in range(26):
        post_service.create_post(author, kind=Kind.COMPLAINT, title="Puffin", body=f"Complaint {n}.", category=category)
    for n in range(4):
        post_service.create_post(author, kind=Kind.IDEA, title="Puffin colony near the old harbour wall",
                                 body=f"Idea {n}.", category=category)  # fmt: skip
    db.session.commit()
    request = search.SearchRequest(text="puffin", kind=Kind.IDEA, per_page=2)
    results = search.search(Guardian(AnonymousUser()), request)
    assert [hit.post.kind for hit in results.hits] == [Kind.IDEA, Kind.IDEA]
    assert (int(results.total), results.has_next) == (4, True)
    unfiltered = search.search(Guardian(AnonymousUser()), search.SearchRequest(text="puffin", per_page=2))
    assert [hit.post.title for hit in unfiltered.hits] == ["Puffin", "Puffin"] and int(unfiltered.total) == 30


def test_pieces_move_with_the_votes_and_a_broad_word_ranks_the_best_voted(fts, make_post, make_user, monkeypatch):
    """A post's own piece and its responses are filed under its vote level and move when its votes cross
    a power of two (its comments stay at level 0); a word with more than BEST_PIECES matching pieces is
    ranked among its best-voted pieces only."""
    from forum.services import votes

    exact = make_post(title="Gannet", body="Gannet.")  # the best match by the words, one vote
    liked = make_post(title="Gannet colony on the northern cliffs", body="Seen from the boat.")
    comments.add_comment(make_user(), liked, "Gannets everywhere.")
    responses.respond(make_user(Role.STAFF), liked, "A gannet webcam is planned.")
    db.session.commit()
    assert levels(exact) == {1} and levels(liked) == {1, 0}
    voters = [make_user() for _ in range(3)]
    for voter in voters:
        votes.add(voter, liked)
        db.session.commit()
    assert levels(liked) == {3, 0} and pieces(liked) == 3  # 4 votes: the post and its response moved
    assert not fts.check()
    votes.remove(voters[0], liked)
    db.session.commit()
    assert levels(liked) == {2, 0} and pieces(liked) == 3 and not fts.check()  # and back
    assert titles("gannet") == ["Gannet", "Gannet colony on the northern cliffs"]
    ranked = search.search(Guardian(AnonymousUser()), search.SearchRequest(text="gannet")).hits
    assert [hit.post.id for hit in ranked] == [exact.id, liked.id]  # every match ranked: the words decide

    monkeypatch.setattr(sqlite, "BEST_PIECES", 2)  # the liked post's pieces outrank the exact one by votes
    narrowed = search.search(Guardian(AnonymousUser()), search.SearchRequest(text="gannet", per_page=1))
    assert [hit.post.id for hit in narrowed.hits] == [liked.id] and int(narrowed.total) == 2
    # A page the best-voted matches cannot fill is filled from further down.
    assert [
        hit.post.id for hit in search.search(Guardian(AnonymousUser()), search.SearchRequest(text="gannet")).hits
    ] == [exact.id, liked.id]
