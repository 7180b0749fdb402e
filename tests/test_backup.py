"""`flask backup create` and `flask backup restore`: a backup restored into an empty database holds every
post, vote and comment, signs sessions with the same secret, and finds its posts in search."""

import json
import tarfile

import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import Comment, Post, Vote
from forum.services import comments, votes
from tests.conftest import POSTGRES_URL, TEST_DATABASE


def _everything() -> tuple[set, set, set]:
    posts = {(p.id, p.title, p.body, p.vote_count, p.comment_count) for p in db.session.scalars(select(Post))}
    voters = {(v.user_id, v.post_id) for v in db.session.scalars(select(Vote))}
    said = {(c.id, c.post_id, c.parent_id, c.body) for c in db.session.scalars(select(Comment))}
    return posts, voters, said


@pytest.fixture
def empty_database(tmp_path):
    """A database with no tables at all, of the kind this run tests."""
    if TEST_DATABASE != "postgresql":
        yield "sqlite:///" + str(tmp_path / "restored.db")
        return
    import psycopg

    base = POSTGRES_URL.replace("postgresql+psycopg://", "postgresql://")
    name = f"forum_restore_{tmp_path.name[-20:]}".replace("-", "_").lower()
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restored_backup_holds_every_post_vote_and_comment(app, make_user, make_post, tmp_path, empty_database):
    authors = [make_user() for _ in range(3)]
    posts = [make_post(author, title=f"Dark mode for the reports page, take {n}") for n, author in enumerate(authors)]
    for voter in authors:
        for post in posts[:2]:
            votes.add(voter, post)  # authors have voted for their own already
    first = comments.add_comment(authors[1], posts[0], "Please, the white burns my eyes at night.")
    comments.add_comment(authors[2], posts[0], "Seconded, with a schedule.", parent=first)
    db.session.commit()
    before = _everything()

    archive = tmp_path / "forum-backup.tar"
    made = app.test_cli_runner().invoke(args=["backup", "create", str(archive)])
    assert made.exit_code == 0, made.output
    assert "Backed up 3 posts, 7 votes and 2 comments" in made.output
    with tarfile.open(archive) as contents:
        manifest = json.load(contents.extractfile("manifest.json"))
    assert manifest["counts"] == {"posts": 3, "votes": 7, "comments": 2}
    assert "flask search reindex" in manifest["search_index"]

    restored = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": empty_database, "SEARCH_INDEX_DIR": str(tmp_path / "index")}
    )
    restored.instance_path = str(tmp_path / "instance")
    (tmp_path / "instance").mkdir()
    try:
        # Commands run in the app context they find: the test's own is the original site's.
        with restored.app_context():
            done = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            assert done.exit_code == 0, done.output
            assert "Restored 3 posts, 7 votes and 2 comments" in done.output
            assert _everything() == before
        found = restored.test_client().get("/search?q=dark+mode+reports")
        assert found.get_data(as_text=True).count("Dark mode for the reports page") == 3

        with restored.app_context():
            again = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
            assert again.exit_code != 0
            assert "already has tables" in again.output
            assert _everything() == before  # nothing overwritten
    finally:
        with restored.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_instance_secret_travels_with_the_backup(app, tmp_path, monkeypatch, empty_database):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "secret_key").write_text("the-instance-secret")
    monkeypatch.setattr(app, "instance_path", str(instance))
    monkeypatch.setitem(app.config, "SECRET_KEY", "the-instance-secret")
    archive = tmp_path / "with-secret.tar"
    assert app.test_cli_runner().invoke(args=["backup", "create", str(archive)]).exit_code == 0

    restored = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": empty_database, "SEARCH_INDEX_DIR": str(tmp_path / "index")}
    )
    restored.instance_path = str(tmp_path / "new-host")
    (tmp_path / "new-host").mkdir()
    try:
        with restored.app_context():
            done = restored.test_cli_runner().invoke(args=["backup", "restore", str(archive)])
        assert done.exit_code == 0, done.output
        assert (tmp_path / "new-host" / "secret_key").read_text() == "the-instance-secret"
    finally:
        with restored.app_context():
            db.engine.dispose()
