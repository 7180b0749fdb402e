"""HTTP caching: visitors revalidate with ETags, members' pages are never stored, static URLs are fingerprinted."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from forum.extensions import db
from forum.services import votes


def test_a_visitor_gets_304_until_a_vote_changes_the_page(client, make_post, make_user):
    post = make_post()
    first = client.get("/")
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "private, no-cache"
    etag = first.headers["ETag"]
    again = client.get("/", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.get_data() == b""

    votes.add(make_user(), post)
    db.session.commit()
    changed = client.get("/", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert ">2<" in changed.get_data(as_text=True).replace(" ", "")


def test_a_cached_page_never_carries_another_sessions_token(client, app, make_post):
    make_post()
    etag = client.get("/").headers["ETag"]
    other = app.test_client()
    assert other.get("/", headers={"If-None-Match": etag}).status_code == 200


def test_members_pages_are_not_stored(client, login_as, make_user, make_post):
    post = make_post()
    login_as(make_user())
    for url in ("/", f"/posts/{post.id}-{post.slug}"):
        response = client.get(url)
        assert response.status_code == 200
        assert "ETag" not in response.headers
        assert "no-store" in response.headers["Cache-Control"]


def test_static_files_are_linked_by_content_and_cached_for_a_year(client):
    page = client.get("/").get_data(as_text=True)
    css = re.search(r'href="(/static/css/forum\.css\?v=[0-9a-f]{12})"', page)
    assert css, page[:500]
    response = client.get(css.group(1))
    assert response.status_code == 200
    assert response.cache_control.max_age == 365 * 24 * 3600
    assert response.cache_control.immutable
    response.close()
    plain = client.get("/static/css/forum.css")
    assert plain.cache_control.max_age is None
    plain.close()


# -- visitors' pages kept rendered (forum/caching.py: for_visitors) ----------------------------
@pytest.fixture
def rendered(app):
    """The names of the templates rendered during the test, in order."""
    from flask import template_rendered

    names: list[str] = []

    def note(sender, template, context, **extra):
        names.append(template.name)

    template_rendered.connect(note, app)
    yield names
    template_rendered.disconnect(note, app)


def visitor_page_hits(app) -> int:
    return app.extensions["visitor_pages"].hits


def vote_count_of(page: str, post) -> str:
    card = page[page.index(f'action="/posts/{post.id}/vote"') :]
    return card[card.index('class="vote-count">') + len('class="vote-count">') :].split("<", 1)[0]


def test_a_visitor_sees_a_new_vote_at_once_though_the_list_is_kept_rendered(app, client, make_post, make_user):
    author = make_user()
    post = make_post(author)
    hits = visitor_page_hits(app)
    assert vote_count_of(client.get("/").get_data(as_text=True), post) == "1"
    assert vote_count_of(client.get("/").get_data(as_text=True), post) == "1"
    assert visitor_page_hits(app) == hits + 1  # the second view reused the rendered page

    votes.add(make_user(), post)
    db.session.commit()
    assert vote_count_of(client.get("/").get_data(as_text=True), post) == "2"
    votes.remove(author, post)
    db.session.commit()
    assert vote_count_of(client.get("/").get_data(as_text=True), post) == "1"


def test_a_visitor_sees_edits_renames_and_hidden_posts_at_once(app, client, make_post, make_user):
    author = make_user()
    post = make_post(author, title="Dark mode for the invoice editor")
    other = make_post(title="Export to CSV")
    assert "Dark mode for the invoice editor" in client.get("/").get_data(as_text=True)

    post.title = "Dark mode everywhere"
    author.display_name = "Renamed Author"
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Dark mode everywhere" in page and "Dark mode for the invoice editor" not in page
    assert "Renamed Author" in page

    other.is_hidden = True
    db.session.commit()
    assert "Export to CSV" not in client.get("/").get_data(as_text=True)


def test_kept_pages_give_each_visitor_their_own_working_token(app, make_post, make_user):
    """The page is stored without the token it was rendered with; each visitor's own goes back in."""
    from tests.conftest import PASSWORD, csrf_token_from

    make_post()
    user = make_user()
    first, second = app.test_client(), app.test_client()
    first_page = first.get("/").get_data(as_text=True)
    hits = visitor_page_hits(app)
    second_page = second.get("/").get_data(as_text=True)
    assert visitor_page_hits(app) == hits + 1
    assert csrf_token_from(first_page) != csrf_token_from(second_page)
    assert app.extensions["visitor_pages"].token_slot not in second_page
    response = second.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token_from(second_page)}
    )
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def test_members_and_flash_messages_are_never_served_a_kept_page(app, client, login_as, make_post, make_user):
    make_post()
    client.get("/")
    hits = visitor_page_hits(app)
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "You are signed out.")]
    assert "You are signed out." in client.get("/").get_data(as_text=True)
    login_as(make_user(name="Member Mona"))
    assert "Member Mona" in client.get("/").get_data(as_text=True)
    assert visitor_page_hits(app) == hits


def test_a_visitor_sees_a_discussion_change_at_once_though_the_post_page_is_kept(app, client, make_post, make_user):
    from forum.models import Status
    from forum.services import comments, moderation, responses

    staff, member = make_user("staff"), make_user(name="Chatty Member")
    post = make_post(title="Offline mode")
    url = f"/posts/{post.id}-{post.slug}"
    first = comments.add_comment(member, post, "I need this on the train.")
    db.session.commit()
    assert "I need this on the train." in client.get(url).get_data(as_text=True)
    hits = visitor_page_hits(app)
    assert "Chatty Member" in client.get(url).get_data(as_text=True)
    assert visitor_page_hits(app) == hits + 1

    comments.add_comment(member, post, "Me too, on planes.", parent=first)
    db.session.commit()
    assert "Me too, on planes." in client.get(url).get_data(as_text=True)

    member.display_name = "Quiet Member"
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Quiet Member" in page and "Chatty Member" not in page

    moderation.hide_comment(staff, first)
    responses.respond(staff, post, "Planned for the spring release.", Status.PLANNED)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "I need this on the train." not in page
    assert "Planned for the spring release." in page


def test_a_vote_rerenders_a_kept_post_page_but_not_its_comments(app, client, login_as, make_post, make_user, rendered):
    """On a viral post every vote changes the page; its comments, most of the rendering, are kept apart
    for visitors while they stay the same. Members always get theirs rendered (reply forms)."""
    from forum.services import comments

    post = make_post(title="Sync is slow")
    url = f"/posts/{post.id}-{post.slug}"
    comments.add_comment(make_user(), post, "Mine takes an hour.")
    db.session.commit()
    assert "Mine takes an hour." in client.get(url).get_data(as_text=True)
    assert rendered.count("posts/_thread.html") == 1
    votes.add(make_user(), post)
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert re.search(r">\s*2\s*<", page) and "Mine takes an hour." in page
    assert rendered.count("posts/show.html") == 2 and rendered.count("posts/_thread.html") == 1
    comments.add_comment(make_user(), post, "Mine too, since Monday.")
    db.session.commit()
    page = client.get(url).get_data(as_text=True)
    assert "Mine takes an hour." in page and "Mine too, since Monday." in page
    assert rendered.count("posts/_thread.html") == 2
    login_as(make_user())
    for _ in range(2):
        assert "Your reply to" in client.get(url).get_data(as_text=True)
    assert rendered.count("posts/_thread.html") == 4


def test_whatever_changes_a_discussion_moves_its_thread_version_and_shows_at_once(app, client, make_post, make_user):
    """A visitor's kept comments are reused while the post's thread version is the same; triggers move
    it on every write that changes what the discussion shows, through the services or not (a `flask`
    command, a fix in SQL). Each change below leaves the rest of the page as it was."""
    from datetime import UTC, datetime

    from sqlalchemy import text

    from forum.models import Post
    from forum.services import accounts, comments, moderation

    staff, member = make_user("staff"), make_user(name="Chatty Member")
    post, elsewhere = make_post(title="Offline mode"), make_post(title="Export to CSV")
    url = f"/posts/{post.id}-{post.slug}"
    first = comments.add_comment(member, post, "I need this on the train.")
    comments.add_comment(make_user(), post, "Planes too.")
    db.session.commit()
    versions = []

    def visitor_page() -> str:
        versions.append(db.session.scalar(db.select(Post.thread_version).where(Post.id == post.id)))
        return client.get(url).get_data(as_text=True)

    def sql(statement: str, **values) -> None:
        db.session.execute(text(statement), values)
        db.session.commit()

    assert "I need this on the train." in visitor_page()
    moderation.hide_comment(staff, first)
    db.session.commit()
    assert "I need this on the train." not in visitor_page()
    moderation.unhide_comment(staff, first)
    db.session.commit()
    assert "I need this on the train." in visitor_page()
    accounts.update_profile(member, display_name="Quiet Member")
    db.session.commit()
    page = visitor_page()
    assert "Quiet Member" in page and "Chatty Member" not in page
    sql(
        "INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) "
        "VALUES (:post, :author, 'Imported.', '<p>Imported from the old forum.</p>', :now, false)",
        post=post.id, author=member.id, now=datetime.now(UTC).replace(tzinfo=None),
    )  # fmt: skip
    assert "Imported from the old forum." in visitor_page()
    sql("UPDATE comments SET body_html = '<p>I need this on the bus.</p>' WHERE id = :id", id=first.id)
    assert "I need this on the bus." in visitor_page()
    sql("UPDATE comments SET post_id = :to WHERE id = :id", to=elsewhere.id, id=first.id)
    assert "I need this on the bus." not in visitor_page()
    assert "I need this on the bus." in client.get(f"/posts/{elsewhere.id}-{elsewhere.slug}").get_data(as_text=True)
    sql("DELETE FROM comments WHERE post_id = :id", id=post.id)
    page = visitor_page()
    assert "Planes too." not in page and "No comments yet." in page
    assert len(set(versions)) == len(versions), "each change drew a new version"


def test_a_comment_on_a_later_page_keeps_the_first_pages_comments_rendered(
    app, client, make_post, make_user, count_queries, rendered
):
    """A new comment moves its post's thread version, so the comments are read again; the first page's
    are the same (the new one is on the last page), and their kept rendering is used."""
    from forum.services import comments

    post, member = make_post(title="Sync is slow"), make_user()
    for n in range(comments.COMMENTS_PER_PAGE + 1):
        comments.add_comment(member, post, f"Comment number {n}.")
    db.session.commit()
    url = f"/posts/{post.id}-{post.slug}"
    assert "Later comments" in client.get(url).get_data(as_text=True)
    comments.add_comment(member, post, "The newest one.")
    db.session.commit()
    with count_queries() as queries:
        page = client.get(url).get_data(as_text=True)
    assert any("FROM comments" in statement for statement in queries)
    assert "52 comments" in page and "Comment number 49." in page and "The newest one." not in page
    assert rendered.count("posts/show.html") == 2 and rendered.count("posts/_thread.html") == 1
    assert "The newest one." in client.get(f"{url}?comments=2").get_data(as_text=True)


def test_an_unchanged_page_is_served_to_visitors_without_a_query(app, client, make_post, count_queries):
    post = make_post(title="Offline mode")
    addresses = ["/", "/?sort=new", f"/posts/{post.id}-{post.slug}", "/roadmap", "/search?q=offline"]
    first = {address: client.get(address).get_data(as_text=True) for address in addresses}
    for address in addresses:
        with count_queries() as queries:
            response = client.get(address)
        assert response.status_code == 200
        assert queries == [], address
        assert "Offline mode" in response.get_data(as_text=True)
        assert response.get_data(as_text=True).count("csrf") == first[address].count("csrf")


@pytest.fixture
def clock(monkeypatch):
    """Moves the clock the pages see (the kept pages' and the "ago" texts') forward: `clock(61)`."""
    import time
    from datetime import datetime

    from forum import web

    offset = [0.0]
    real_time = time.time

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime.now(tz) + timedelta(seconds=offset[0])

    monkeypatch.setattr(time, "time", lambda: real_time() + offset[0])
    monkeypatch.setattr(web, "datetime", Later)

    def forward(seconds: float) -> None:
        offset[0] += seconds

    return forward


def test_a_kept_page_lasts_as_long_as_its_ago_texts_stay_true(app, client, make_post, count_queries, rendered, clock):
    """Kept by what it shows and while its "ago" texts are true: a "just now" for a minute, a page of
    last week's posts through the hours."""
    old = make_post(title="Dark mode")
    old.created_at = old.last_activity_at = datetime.now(UTC) - timedelta(days=3, hours=1)
    make_post(title="Offline mode")
    db.session.commit()
    page = client.get("/?sort=new").get_data(as_text=True)
    assert "just now" in page and "3 days ago" in page
    clock(30)
    with count_queries() as queries:
        assert "just now" in client.get("/?sort=new").get_data(as_text=True)
    assert queries == []
    clock(31)
    page = client.get("/?sort=new").get_data(as_text=True)
    assert "1 minute ago" in page and "just now" not in page and "3 days ago" in page

    assert "3 days ago" in client.get("/search?q=dark").get_data(as_text=True)
    clock(3 * 3600)
    assert "3 days ago" in client.get("/search?q=dark").get_data(as_text=True)
    assert rendered.count("search/results.html") == 1  # its rows read again (UNREAD_FOR), its page kept
    clock(20 * 3600)  # four days now
    assert "4 days ago" in client.get("/search?q=dark").get_data(as_text=True)
    assert rendered.count("search/results.html") == 2


def test_a_page_with_a_problem_is_kept_with_its_status(app, client, make_post, count_queries):
    make_post()
    assert client.get("/?sort=loudest").status_code == 400
    with count_queries() as queries:
        response = client.get("/?sort=loudest")
    assert queries == []
    assert response.status_code == 400
    assert "is not a sort order" in response.get_data(as_text=True)


def test_any_commit_makes_the_next_visitor_read_the_rows_again(app, client, make_post, make_user, count_queries):
    """Written by a `flask` command, a job or another worker: every session commit replaces the stamp."""
    post = make_post(title="Dark mode")
    client.get("/")
    post.title = "Dark mode everywhere"
    db.session.commit()  # not through a request of this client
    with count_queries() as queries:
        page = client.get("/").get_data(as_text=True)
    assert queries != []
    assert "Dark mode everywhere" in page


def test_the_stamp_is_shared_through_its_file(app, client, make_post, count_queries):
    """Another worker's commit replaces the file; this worker then reads the rows again."""
    from forum.caching import WriteStamp

    make_post()
    client.get("/")
    pages = app.extensions["visitor_pages"]
    WriteStamp(pages.stamp.path).bump()  # as another process would
    with count_queries() as queries:
        client.get("/")
    assert queries != []
    Path(pages.stamp.path).unlink()
    for _ in range(2):
        with count_queries() as queries:
            client.get("/")
        assert queries != []  # no file, no page served unread
    pages.stamp.bump()


def test_a_page_one_worker_rendered_is_served_by_the_others(
    app, client, make_post, make_user, count_queries, rendered, monkeypatch
):
    """The workers of a host share their kept pages (VISITOR_PAGE_DIR) once writes have settled: unread
    while nothing was written, by its rows after a write; never a page of another deploy (other code,
    templates or settings); and nothing while writes come faster than SETTLED_AFTER."""
    from forum import caching, create_app
    from tests.conftest import IsolatedClient

    monkeypatch.setattr(caching, "SETTLED_AFTER", 0)
    worker = create_app(dict(app.config))
    deploy = create_app({**app.config, "SITE_NAME": "Another deploy"})
    try:
        for other_app in (worker, deploy):
            other_app.test_client_class = IsolatedClient
        other = worker.test_client()
        post = make_post(title="Offline mode")
        url = f"/posts/{post.id}-{post.slug}"
        addresses = ["/", url, "/search?q=offline", "/roadmap"]
        first = {address: client.get(address).get_data(as_text=True) for address in addresses}
        count = len(rendered)
        for address in addresses:
            with count_queries() as queries:
                page = other.get(address).get_data(as_text=True)
            assert queries == [], address
            assert page.count("csrf") == first[address].count("csrf") and "Offline mode" in page
        assert len(rendered) == count
        assert "Another deploy" in deploy.test_client().get(url).get_data(as_text=True)

        before = int(vote_count_of(first["/"], post))
        votes.add(make_user(), post)
        db.session.commit()
        page = other.get("/").get_data(as_text=True)  # the rows read again, the new count rendered there
        assert vote_count_of(page, post) == str(before + 1)
        with count_queries() as queries:
            page = client.get("/").get_data(as_text=True)
        assert vote_count_of(page, post) == str(before + 1)
        assert queries == [] and len(rendered) == count  # `rendered` counts this worker's (`app`) renders

        monkeypatch.setattr(caching, "SETTLED_AFTER", 3600)
        shared = app.extensions["visitor_pages"].shared
        entries = len(shared)
        votes.add(make_user(), post)
        db.session.commit()
        assert vote_count_of(other.get("/").get_data(as_text=True), post) == str(before + 2)
        assert vote_count_of(client.get("/").get_data(as_text=True), post) == str(before + 2)
        assert len(rendered) == count + 1 and len(shared) == entries
    finally:
        for other_app in (worker, deploy):
            with other_app.app_context():
                db.engine.dispose()


def test_a_folder_that_cannot_be_opened_leaves_each_worker_its_own_pages(app, make_post, tmp_path, caplog):
    from forum import create_app
    from tests.conftest import IsolatedClient

    (tmp_path / "a-file").write_text("not a folder")
    worker = create_app({**app.config, "VISITOR_PAGE_DIR": str(tmp_path / "a-file" / "pages")})
    try:
        worker.test_client_class = IsolatedClient
        assert worker.extensions["visitor_pages"].shared is None
        assert "cannot open the shared visitor pages" in caplog.text
        make_post(title="Offline mode")
        client = worker.test_client()
        for _ in range(2):
            assert "Offline mode" in client.get("/").get_data(as_text=True)
        assert worker.extensions["visitor_pages"].hits == 1
    finally:
        with worker.app_context():
            db.engine.dispose()


def test_a_vote_committed_while_a_page_renders_shows_on_the_next_view(app, client, make_post, make_user, monkeypatch):
    """The stamp is read before the rows: a page rendered from rows older than a commit is never
    served as current after it."""
    from forum.services import posts

    post = make_post()
    voter = make_user()
    real_listing = posts.listing

    def vote_after_the_rows_are_read(*args, **kwargs):
        rows = real_listing(*args, **kwargs)
        monkeypatch.setattr(posts, "listing", real_listing)
        with app.app_context():
            votes.add(db.session.merge(voter), db.session.merge(post))
            db.session.commit()
        return rows

    monkeypatch.setattr(posts, "listing", vote_after_the_rows_are_read)
    assert vote_count_of(client.get("/").get_data(as_text=True), post) == "1"  # rows read before the vote
    assert vote_count_of(client.get("/").get_data(as_text=True), post) == "2"


def test_pages_that_only_read_run_their_queries_without_a_transaction(app, client, login_as, make_user, make_post):
    """`reads_only`: no BEGIN and ROLLBACK around a visitor's queries; a member's request, which
    began its transaction by loading the member, keeps it."""
    from sqlalchemy import event

    post = make_post()
    seen: list[str | None] = []

    def record(conn, cursor, statement, *args):
        if "FROM posts" in statement:
            seen.append(conn.get_execution_options().get("isolation_level"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        for address in ("/", f"/posts/{post.id}-{post.slug}", "/roadmap", "/search?q=details"):
            seen.clear()
            assert client.get(address).status_code == 200
            assert seen and set(seen) == {"AUTOCOMMIT"}, address
        login_as(make_user())
        seen.clear()
        client.get("/")
        assert seen and "AUTOCOMMIT" not in seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_a_visitor_finds_a_new_post_at_once_though_the_search_page_is_kept(app, client, make_post, count_queries):
    """The search index changes after the commit (Whoosh): it replaces the stamp again once written."""
    make_post(title="Offline mode for the app")
    assert "Offline mode for the app" in client.get("/search?q=offline").get_data(as_text=True)
    with count_queries() as queries:
        client.get("/search?q=offline")
    assert queries == []
    make_post(title="Offline maps")
    page = client.get("/search?q=offline").get_data(as_text=True)
    assert "Offline maps" in page and "2 posts found" in page


def test_a_stamp_that_cannot_be_written_never_fails_a_commit(app, client, make_post, tmp_path, caplog):
    """A read-only or full disk: the commit stands, and no page is served unread."""
    from forum.caching import WriteStamp

    pages = app.extensions["visitor_pages"]
    kept = pages.stamp
    pages.stamp = WriteStamp(str(tmp_path / "stamp"))
    try:
        make_post(title="Offline mode")
        client.get("/")
        pages.stamp.path = str(tmp_path / "no-such-folder" / "stamp")  # cannot be written
        post = make_post(title="Dark mode")  # commits, and its stamp fails
        assert "cannot replace the visitor pages' write stamp" in caplog.text
        assert "Dark mode" in client.get("/").get_data(as_text=True)
        assert post.id is not None
    finally:
        pages.stamp = kept


def test_with_redis_a_commit_on_another_host_shows_at_once(app, make_post, tmp_path):
    """REDIS_URL: the stamp lives in Redis, so two hosts (two apps with their own instance folders)
    share it; one host's commit makes the other read its rows again."""
    from sqlalchemy import event

    from forum import create_app
    from forum.caching import RedisStamp
    from tests.conftest import IsolatedClient, live_redis

    url = "redis://127.0.0.1:6379/13"
    live_redis(url)
    hosts = []
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        host = create_app(
            {
                **app.config,
                "REDIS_URL": url,
                "VISITOR_PAGE_STAMP": str(tmp_path / name / "stamp"),
                "VISITOR_PAGE_DIR": str(tmp_path / name / "pages"),
            }
        )
        host.test_client_class = IsolatedClient
        hosts.append(host)
    first, second = hosts
    assert isinstance(first.extensions["visitor_pages"].stamp, RedisStamp)
    post = make_post(title="Offline mode")
    client = first.test_client()
    assert "Offline mode" in client.get("/").get_data(as_text=True)
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    with first.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        client.get("/")
        assert statements == []  # kept, unread, on host a
        with second.app_context():  # host b renames the post: its commit replaces the stamp in Redis
            db.session.get(type(post), post.id).title = "Offline mode everywhere"
            db.session.commit()
        assert "Offline mode everywhere" in client.get("/").get_data(as_text=True)
        assert statements != []
    finally:
        event.remove(engine, "before_cursor_execute", record)
        for host in hosts:
            with host.app_context():
                db.engine.dispose()


def test_without_redis_answering_pages_are_read_and_commits_stand(app, tmp_path, caplog):
    from forum.caching import RedisStamp

    stamp = RedisStamp("redis://127.0.0.1:1/0", "forum:test-stamp")  # nothing listens there
    assert stamp.read() != stamp.read()  # no stamp, so no page is ever served unread
    stamp.bump()  # logged, not raised
    assert "cannot replace the visitor pages' write stamp in Redis" in caplog.text
