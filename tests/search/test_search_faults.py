"""The Whoosh index on a disk that fails: its folder made read-only, or its disk full. Posting still
commits, search says it is running behind, and `flask search check --fix` repairs the index once
the disk is back. The disk is a real tmpfs mounted for the test, so the errors are the kernel's own
(EROFS, ENOSPC), not imitations."""

import errno
import json
import subprocess

import pytest

from forum import search
from forum.extensions import db
from forum.models import Post
from tests.search.conftest import searched, title_of


def _mount(*arguments: str) -> None:
    subprocess.run(["mount", *arguments], check=True, capture_output=True, text=True)


@pytest.fixture
def index_disk(app, tmp_path):
    """A small disk of its own holding the search index, as the app's Whoosh index folder."""
    disk = tmp_path / "index-disk"
    disk.mkdir()
    try:
        _mount("-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk))
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"mounting a tmpfs needs root (CI runs as root): {error}")
    previous = app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_BACKEND"]
    backends = app.extensions.setdefault("search_backends", {})
    kept = backends.pop("whoosh", None)
    app.config.update(SEARCH_INDEX_DIR=str(disk / "index"), SEARCH_BACKEND="whoosh")
    try:
        with app.app_context():
            search.backend().reindex()
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)
        app.config["SEARCH_INDEX_DIR"], app.config["SEARCH_BACKEND"] = previous
        backends.pop("whoosh", None)
        if kept is not None:
            backends["whoosh"] = kept


def read_only(disk):
    _mount("-o", "remount,ro", str(disk))


def full(disk):
    with open(disk / "filler", "wb") as filler:
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError as error:
            assert error.errno == errno.ENOSPC


def repaired(disk):
    _mount("-o", "remount,rw", str(disk))
    (disk / "filler").unlink(missing_ok=True)


@pytest.mark.parametrize("breaks", [read_only, full], ids=["read-only", "disk-full"])
def test_posting_commits_search_says_degraded_and_check_fix_repairs(
    app, index_disk, breaks, make_user, make_post, category, login_as, send, client
):
    make_post(title="Pelican export to spreadsheets")
    assert [title_of(hit) for hit in searched("pelican").hits] == ["Pelican export to spreadsheets"]
    breaks(index_disk)

    login_as(make_user())
    answer = send("/posts", {"title": "Walrus timeline view", "body": "Plan by week.", "kind": "idea",
                             "category": category.slug})  # fmt: skip
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(db.select(Post.id).where(Post.title == "Walrus timeline view")) is not None

    page = client.get("/search?q=walrus").get_data(as_text=True)
    assert "Search is running behind" in page
    assert "Pelican export to spreadsheets" in client.get("/search?q=pelican").get_data(as_text=True)
    ready = client.get("/readyz")
    assert ready.status_code == 200  # still serving: only new posts are missing from search
    assert "search" in json.loads(ready.get_data())["degraded"]

    repaired(index_disk)
    runner = app.test_cli_runner()
    check = runner.invoke(args=["search", "check"])
    assert check.exit_code == 1 and "1 post missing from the index" in check.output
    fixed = runner.invoke(args=["search", "check", "--fix"])
    assert fixed.exit_code == 0 and "Re-indexed 1 posts." in fixed.output
    assert runner.invoke(args=["search", "check"]).output.strip() == "The search index matches the database."

    page = client.get("/search?q=walrus+timeline").get_data(as_text=True)
    assert "Walrus timeline view" in page
    assert "Search is running behind" not in page
    assert json.loads(client.get("/readyz").get_data())["degraded"] == {}
