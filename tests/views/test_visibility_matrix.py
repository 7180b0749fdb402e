"""The visibility matrix (issue 28, point 6): five kinds of people against every surface that shows
posts. A restricted category admits one company's members; its posts' titles and its own name carry
words found nowhere else, which must never appear where the person may not see them. Runs on SQLite
and PostgreSQL (TEST_DATABASE), with the visitors' page cache on, as the site runs.
"""

import csv
import io
from dataclasses import dataclass

import pytest
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import (
    Category,
    Company,
    CompanyMember,
    Notification,
    Post,
    Role,
    Status,
    Visibility,
    utcnow,
)
from forum.services import delivery, notify, responses, votes

WORD = "quixotron"  # in every restricted post's title
CATEGORY_WORD = "zorblatt"  # in the restricted category's name
ROLES = ["visitor", "member", "allowed", "other_company", "staff"]
SEES = {"allowed", "staff"}


@dataclass
class World:
    users: dict
    category: Category
    open_post: Post
    planned: Post
    shipped: Post
    public_post: Post


@pytest.fixture
def world(make_user, make_post, category):
    acme = Company(external_id="acme", name="Acme", plan="Enterprise")
    globex = Company(external_id="globex", name="Globex", plan="Enterprise Plus")
    restricted = Category(slug="acme-board", name=f"Acme {CATEGORY_WORD} board", visibility=Visibility.RESTRICTED,
                          allowed_companies=["acme"])  # fmt: skip
    db.session.add_all([acme, globex, restricted])
    db.session.commit()
    users = {
        "member": make_user(name="Mo Member"),
        "allowed": make_user(name="Al Allowed"),
        "other_company": make_user(name="Oz Other"),
        "staff": make_user(Role.STAFF, name="Sam Staff"),
    }
    db.session.add_all([CompanyMember(user_id=users["allowed"].id, company_id=acme.id),
                        CompanyMember(user_id=users["other_company"].id, company_id=globex.id)])  # fmt: skip
    author = users["allowed"]
    open_post = make_post(author, title=f"Export the {WORD} ledger", cat=restricted)
    planned = make_post(author, title=f"Planned {WORD} dashboard", cat=restricted)
    shipped = make_post(author, title=f"Shipped {WORD} reports", cat=restricted)
    public_post = make_post(users["member"], title="Export the monthly ledger")
    staff = users["staff"]
    responses.respond(staff, planned, "On the plan.", Status.PLANNED)
    responses.respond(staff, shipped, "Done.", Status.DONE)
    responses.respond(staff, public_post, "Looking at it.", Status.UNDER_REVIEW)
    db.session.commit()
    return World(users, restricted, open_post, planned, shipped, public_post)


def _sign_in(role, world, login_as):
    if role != "visitor":
        login_as(world.users[role])


# Pages anyone may open: the restricted posts' titles appear for those the category admits only.
READ_PAGES = [
    "/",
    "/?sort=new",
    "/?sort=top&closed=1",
    "/?status=planned",
    "/search?q=" + WORD,
    "/search?q=ledger",
    "/posts/similar?title=" + WORD + "+ledger",
    "/roadmap",
    "/changelog",
]
# Pages that name categories: the restricted one's name shows only to those it admits.
NAMING_PAGES = ["/", "/roadmap", "/search?q=ledger", "/responsiveness"]
# Shared with whoever holds the link: the restricted posts never appear, whoever asks.
SHARED = ["/feed.atom", "/changelog.atom", "/sitemap.xml", "/categories/acme-board.atom"]
# Staff-only pages: the restricted posts appear for staff; everyone else is refused.
STAFF_PAGES = ["/staff/queue", "/staff/queue?view=answered", "/staff/insights", "/staff/export/posts.csv"]


def _titles(world) -> list[str]:
    return [p.title.lower() for p in (world.open_post, world.planned, world.shipped)]


def _shows(text: str, world) -> set[str]:
    """Which restricted titles a page shows (JSON escapes none of them)."""
    text = text.lower()
    return {title for title in _titles(world) if title in text}


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix_of_pages(role, world, client, login_as):
    _sign_in(role, world, login_as)
    seen = role in SEES
    wrong = []
    for url in READ_PAGES:
        response = client.get(url, follow_redirects=True)
        shown = _shows(response.get_data(as_text=True), world)
        if response.status_code != 200 or bool(shown) is not seen:
            wrong.append((url, response.status_code, shown))
    # Each restricted post shows where it belongs, for those who see it.
    if seen:
        for url, title in (("/?sort=new", world.open_post.title), ("/roadmap", world.planned.title),
                           ("/changelog", world.shipped.title)):  # fmt: skip
            if title.lower() not in client.get(url).get_data(as_text=True).lower():
                wrong.append((url, "missing", title))
    for url in NAMING_PAGES:
        text = client.get(url).get_data(as_text=True).lower()
        if (CATEGORY_WORD in text) is not seen:
            wrong.append((url, "category name", CATEGORY_WORD in text))
    for url in SHARED:
        text = client.get(url).get_data(as_text=True)
        if _shows(text, world) or CATEGORY_WORD in text.lower():
            wrong.append((url, "shown to anyone holding the link"))
    for url in STAFF_PAGES:
        response = client.get(url)
        shown = _shows(response.get_data(as_text=True), world)
        if role == "staff":
            if response.status_code != 200 or not shown:
                wrong.append((url, response.status_code, shown))
        elif response.status_code not in (302, 403) or shown:
            wrong.append((url, response.status_code, shown))
    assert wrong == [], f"{role}: {wrong}"


@pytest.mark.parametrize("role", ROLES)
def test_the_matrix_of_one_post(role, world, client, login_as, send):
    """Its page, its feed, its card, its author's page, its voters' CSV and voting on it."""
    _sign_in(role, world, login_as)
    seen = role in SEES
    post = world.open_post
    page = client.get(f"/posts/{post.id}-{post.slug}")
    assert page.status_code == (200 if seen else 404)
    assert (post.title in page.get_data(as_text=True)) is seen
    assert client.get(f"/posts/{post.id}").status_code == (301 if seen else 404)
    assert client.get(f"/posts/{post.id}/feed.atom").status_code == 404  # a feed reader is no one
    assert client.get(f"/posts/{post.id}/card.png").status_code == 404  # nor is a shared card
    author_page = client.get(f"/users/{post.author_id}").get_data(as_text=True)
    assert bool(_shows(author_page, world)) is seen
    voters = client.get(f"/staff/export/posts/{post.id}/voters.csv")
    assert voters.status_code == (200 if role == "staff" else 403 if role != "visitor" else 302)
    if role != "visitor":
        vote = send(f"/posts/{post.id}/vote", headers={"Accept": "application/json"})
        assert vote.status_code == (200 if seen else 404)
        assert (vote.get_json() or {}).get("voted") is (True if seen else None)
        db.session.expire_all()
        assert db.session.get(Post, post.id).vote_count == (2 if role == "staff" else 1)  # its author's vote


@pytest.mark.parametrize("role", ["member", "allowed", "other_company", "staff"])
def test_the_matrix_of_notifications_and_emails(role, world, client, login_as, outbox, make_user):
    """Everyone follows a public post; it moves into the restricted category, staff answer, and
    only those who may see it now hear of it: no bell, no email, no digest line."""
    post = world.public_post
    for name in ("member", "allowed", "other_company", "staff"):
        votes.add(world.users[name], post)
    digest_reader = world.users[role]
    db.session.commit()
    post.category_id = world.category.id
    db.session.commit()
    responses.respond(make_user(Role.ADMIN), post, f"Answered about {WORD}.", Status.PLANNED)
    db.session.commit()
    delivery.deliver_pending()
    told = {m["To"] for m in outbox()}
    assert (digest_reader.email in told) is (role in SEES)
    login_as(digest_reader)
    bell = client.get("/notifications").get_data(as_text=True)
    assert (WORD in bell.lower() or "monthly ledger" in bell.lower()) is (role in SEES)


def test_an_email_queued_before_the_move_is_withdrawn_as_it_leaves(world, outbox, make_user):
    post = world.public_post
    member, allowed = world.users["member"], world.users["allowed"]
    for user in (member, allowed):
        votes.add(user, post)
        notify.set_preference(user, notify.Event.RESPONSE, notify.EmailMode.DIGEST)
    db.session.commit()
    responses.respond(make_user(Role.STAFF), post, "Looking at it again.", Status.UNDER_REVIEW)
    responses.respond(make_user(Role.STAFF), post, "And planned.", Status.PLANNED)
    db.session.commit()
    post.category_id = world.category.id  # moved after the emails were queued
    db.session.commit()
    delivery.deliver_pending()
    delivery.send_digests()
    told = [m["To"] for m in outbox()]
    assert member.email not in told
    assert allowed.email in told
    assert db.session.scalar(select(Notification.id).where(Notification.user_id == member.id)) is not None


@pytest.mark.parametrize("role", ["visitor", "member", "other_company"])
def test_a_post_moved_into_the_category_disappears_at_once_even_from_cached_pages(role, world, client, login_as,
                                                                                   make_user):  # fmt: skip
    _sign_in(role, world, login_as)
    post = world.public_post
    link = f"/posts/{post.id}-{post.slug}"
    pages = ["/", "/?sort=new", "/search?q=monthly", "/roadmap", link, "/feed.atom", "/sitemap-posts-1.xml"]
    for url in pages:
        assert link in client.get(url).get_data(as_text=True), url
        assert link in client.get(url).get_data(as_text=True), url  # from the cache, for a visitor
    db.session.execute(update(Post).where(Post.id == post.id).values(category_id=world.category.id))
    db.session.commit()
    for url in pages:
        response = client.get(url)
        if url == link:  # its own address stays in the page's sign-in link; the post does not
            assert response.status_code == 404 and post.title not in response.get_data(as_text=True)
        else:
            assert link not in response.get_data(as_text=True), url
    assert client.get(f"/posts/{post.id}-{post.slug}").status_code == 404


def test_a_category_made_staff_only_by_an_admin_disappears_at_once(world, client, login_as, make_user, send):
    post = world.public_post
    assert "monthly ledger" in client.get("/").get_data(as_text=True).lower()  # a visitor's page, stored
    admin = make_user(Role.ADMIN)
    public = db.session.get(Category, post.category_id)
    login_as(admin)
    response = send("/admin/categories", {"id": str(public.id), "name": public.name, "visibility": "staff"})
    assert response.status_code == 303
    client.post("/logout", data={})
    with client.session_transaction() as session:
        session.clear()
    home = client.get("/").get_data(as_text=True)
    assert "monthly ledger" not in home.lower()
    assert public.name not in home  # not even in the category menu
    assert client.get(f"/posts/{post.id}-{post.slug}").status_code == 404


def test_the_csv_export_holds_the_restricted_posts_for_staff(world, client, login_as):
    login_as(world.users["staff"])
    rows = list(csv.DictReader(io.StringIO(client.get("/staff/export/posts.csv").get_data(as_text=True)
                                           .lstrip("\ufeff"))))  # fmt: skip
    assert {r["title"] for r in rows} >= {world.open_post.title, world.planned.title, world.shipped.title}


def test_a_visitor_is_not_told_a_private_category_exists(world, client):
    response = client.get("/?category=acme-board")
    assert response.status_code == 400
    text = response.get_data(as_text=True).lower()
    assert WORD not in text and CATEGORY_WORD not in text
    assert client.get("/categories/acme-board.atom").status_code == 404


def test_held_back_until_approved_stays_out_of_the_lists_for_its_author(world, client, login_as):
    """The rule lets an author see their own hidden post; lists still wait for its approval."""
    post = world.public_post
    post.is_hidden = True
    post.updated_at = utcnow()
    db.session.commit()
    login_as(world.users["member"])
    assert client.get(f"/posts/{post.id}-{post.slug}").status_code == 200
    assert "monthly ledger" not in client.get("/?sort=new").get_data(as_text=True).lower()


def test_a_merge_never_moves_voters_to_a_post_some_of_them_may_not_see(world, make_user, make_post, send, login_as):
    """Into a private category's post only from the same category: its voters could not follow."""
    login_as(make_user(Role.STAFF))
    duplicate = world.public_post
    refused = send(f"/posts/{duplicate.id}/merge", {"into": str(world.open_post.id)})
    assert refused.status_code == 409
    assert "move this post into that category first" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Post, duplicate.id).merged_into_id is None
    twin = make_post(world.users["allowed"], title=f"Ledger export for {WORD}", cat=world.category)
    assert send(f"/posts/{twin.id}/merge", {"into": str(world.open_post.id)}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Post, twin.id).merged_into_id == world.open_post.id
