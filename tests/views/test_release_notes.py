"""Release notes (issue 27, point 7): staff write what shipped and name the done posts; their
voters and followers are told once; the changelog and its feed show the notes, and done posts no note
names as before."""

from datetime import timedelta

from lxml import etree
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Notification, OutboxMessage, ReleaseNote, utcnow
from forum.services import notify, responses, votes

ATOM = "{http://www.w3.org/2005/Atom}"


def _done(make_post, staff, title):
    post = make_post(title=title)
    responses.change_status(staff, post, "done")
    db.session.commit()
    return post


def _publish(send, **fields):
    data = {"title": "Spring release", "body": "**Faster** search. <script>alert(1)</script>", "posts": ""}
    return send("/changelog/new", {**data, **fields})


def test_a_release_note_tells_voters_and_followers_once_and_shows_on_the_changelog(
    make_post, make_user, login_as, send, client
):
    staff = make_user("staff")
    both, one, follower, unfollowed = make_user(), make_user(), make_user(), make_user()
    search, export = make_post(title="Search is slow"), make_post(title="Export to PDF")
    for post in (search, export):
        votes.add(both, post)
    votes.add(one, export)
    votes.add(unfollowed, search)
    notify.unfollow(unfollowed, search)
    notify.follow(follower, export)
    for post in (search, export):
        responses.change_status(staff, post, "done")
    db.session.commit()
    loose = _done(make_post, staff, "Dark mode")
    before = db.session.scalar(select(func.count()).select_from(Notification))
    login_as(staff)

    form = client.get("/changelog/new").get_data(as_text=True)
    assert '<label for="note-posts">Requests it ships</label>' in form
    assert f'<strong>{search.id}</strong> · <span dir="auto">Search is slow</span>' in form
    published = _publish(send, posts=f"{search.id}, #{export.id}")
    assert published.status_code == 303
    assert published.location.startswith("/changelog/")
    db.session.rollback()
    note = db.session.scalars(select(ReleaseNote)).one()
    assert "<strong>Faster</strong>" in note.body_html and "<script>" not in note.body_html

    told = db.session.execute(
        select(Notification.user_id, Notification.event, Notification.summary).where(Notification.event == "release")
    ).all()
    assert sorted(user_id for user_id, _, _ in told) == sorted([both.id, one.id, follower.id, search.author_id,
                                                                  export.author_id])  # fmt: skip
    assert told[0][2] == "Released: Spring release. It ships “Search is slow”, “Export to PDF”."
    assert db.session.scalar(select(func.count()).select_from(Notification)) == before + len(told)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) >= len(told)
    # The same form sent again (a double click): one note, nobody told twice.
    assert _publish(send, posts=f"{search.id}, {export.id}").status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(ReleaseNote)) == 1
    assert db.session.scalar(select(func.count()).select_from(Notification).where(Notification.event == "release")) \
        == len(told)  # fmt: skip

    client.get("/logout")
    page = client.get("/changelog").get_data(as_text=True)
    assert page.index("Spring release") < page.index("Dark mode")  # published now, the loose post earlier
    assert "<strong>Faster</strong> search." in page
    assert "Ships 2 requests:" in page
    # A post the note names shows under it, not again on its own.
    assert page.count(">Search is slow</a>") == 1
    assert loose.title in page
    own = client.get(f"/changelog/{note.id}")
    assert own.status_code == 200 and "Spring release" in own.get_data(as_text=True)
    assert client.get("/changelog/999999").status_code == 404


def test_the_feed_carries_release_notes_and_loose_done_posts(make_post, make_user, login_as, send, client):
    staff = make_user("staff")
    shipped = _done(make_post, staff, "Search is slow")
    _done(make_post, staff, "Dark mode")
    login_as(staff)
    yesterday = (utcnow() - timedelta(days=1)).date().isoformat()
    assert _publish(send, posts=str(shipped.id), date=yesterday).status_code == 303
    client.get("/logout")
    root = etree.fromstring(client.get("/changelog.atom").data)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["Dark mode", "Spring release"]
    note = entries[1]
    db.session.rollback()
    note_id = db.session.scalar(select(ReleaseNote.id))
    assert note.findtext(f"{ATOM}id").endswith(f"/changelog/{note_id}")
    assert note.findtext(f"{ATOM}published").startswith(yesterday)
    assert "<strong>Faster</strong>" in note.findtext(f"{ATOM}content")


def test_bad_release_notes_are_refused_with_the_text_kept(make_post, make_user, login_as, send):
    staff = make_user("staff")
    open_post = make_post(title="Still open")
    login_as(staff)
    tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
    cases = [
        ({"title": ""}, "Give the release note a title."),
        ({"body": "  "}, "Write what shipped before publishing."),
        ({"posts": "12, twelve"}, "“twelve” is not a post number"),
        ({"posts": "999999"}, "There is no public post number 999999."),
        ({"posts": str(open_post.id)}, "“Still open” (number"),
        ({"date": "07/12/2026"}, "“07/12/2026” is not a date: write it as 2026-12-07."),
        ({"date": tomorrow}, "give today's date or an earlier one"),
    ]
    for fields, message in cases:
        response = _publish(send, **fields)
        assert response.status_code == 422, fields
        page = response.get_data(as_text=True)
        assert message.replace("'", "&#39;") in page, (fields, page[page.find("form-alert") :][:300])
        assert "Faster" in page or not fields.get("body", "x").strip()  # what was typed is still there
    db.session.rollback()
    assert db.session.scalars(select(ReleaseNote)).all() == []


def test_a_note_with_no_posts_tells_nobody(make_user, login_as, send):
    login_as(make_user("staff"))
    assert _publish(send).status_code == 303
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 0
