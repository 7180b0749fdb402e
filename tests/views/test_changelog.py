from datetime import timedelta

from lxml import etree
from sqlalchemy import update

from forum.extensions import db
from forum.models import Post, Status, utcnow
from forum.services import responses

ATOM = "{http://www.w3.org/2005/Atom}"


def _ship(make_post, staff, title, days_ago, answer=None):
    post = make_post(title=title)
    if answer:
        responses.respond(staff, post, answer, Status.DONE)
    else:
        responses.change_status(staff, post, Status.DONE)
    db.session.execute(
        update(Post).where(Post.id == post.id).values(status_changed_at=utcnow() - timedelta(days=days_ago))
    )
    db.session.commit()
    return post


def test_changelog_lists_done_posts_newest_first(make_post, make_user, client):
    staff = make_user("staff")
    _ship(make_post, staff, "Older release", 10)
    _ship(make_post, staff, "Newer release", 1, answer="Shipped in 4.2 <script>alert(1)</script>")
    make_post(title="Still open")
    page = client.get("/changelog").get_data(as_text=True)
    assert page.index("Newer release") < page.index("Older release")
    assert "Still open" not in page
    assert "Shipped in 4.2" in page
    assert "<script>alert(1)" not in page
    assert client.get("/changelog?page=zero").status_code == 400


def test_changelog_feed_is_well_formed_atom(make_post, make_user, client):
    staff = make_user("staff")
    _ship(make_post, staff, "Older release", 10)
    newer = _ship(make_post, staff, 'Newer <release> & "quotes"', 1, answer="Out now.")
    response = client.get("/changelog.atom")
    assert response.status_code == 200
    assert response.mimetype == "application/atom+xml"
    root = etree.fromstring(response.data)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{required}") is not None
    assert root.find(f"{ATOM}link[@rel='self']").get("href").endswith("/changelog.atom")
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ['Newer <release> & "quotes"', "Older release"]
    first = entries[0]
    assert first.findtext(f"{ATOM}id").endswith(f"/posts/{newer.id}")  # the id-only address: retitling keeps it
    assert first.findtext(f"{ATOM}summary") == "Tallybook answered: Out now."
    assert first.find(f"{ATOM}updated") is not None
