from datetime import timedelta

from sqlalchemy import update

from forum.extensions import db
from forum.models import Category, Kind, Notification, Post, Status, StatusChange, utcnow
from forum.permissions import anyone
from forum.services import responses, votes
from forum.services.roadmap import board


def column_titles(html: str, column: str) -> list[str]:
    """The card titles of one column, in order, as the page shows them."""
    start = html.index(f'id="column-{column}"')
    end = html.find('class="roadmap-column"', start)
    section = html[start : end if end != -1 else len(html)]
    titles = []
    for chunk in section.split('dir="auto">')[1:]:
        titles.append(chunk.split("</a>")[0])
    return titles


def test_most_wanted_is_open_posts_by_votes_and_other_columns_follow_status(make_post, make_user, client):
    staff = make_user("staff")
    quiet = make_post(title="Quiet idea")
    loud = make_post(title="Loud idea")
    for _ in range(3):
        votes.add(make_user(), loud)
    planned = make_post(title="Planned idea")
    responses.respond(staff, planned, "Coming in March.\n\nMore details later.", Status.PLANNED)
    building = make_post(title="Being built")
    responses.change_status(staff, building, Status.IN_PROGRESS)
    shipped = make_post(title="Shipped thing")
    responses.change_status(staff, shipped, Status.DONE)
    declined = make_post(title="Declined thing")
    responses.change_status(staff, declined, Status.DECLINED)
    db.session.commit()

    page = client.get("/roadmap").get_data(as_text=True)
    assert column_titles(page, "most_wanted") == ["Loud idea", "Quiet idea"]
    assert column_titles(page, "planned") == ["Planned idea"]
    assert column_titles(page, "in_progress") == ["Being built"]
    assert column_titles(page, "done") == ["Shipped thing"]
    assert "Declined thing" not in page
    # The newest official response's first line shows on the card.
    assert "Coming in March." in page and "More details later." not in page
    assert quiet.id != loud.id


def test_done_column_shows_only_recent_releases_newest_first(make_post, make_user, app_ctx):
    staff = make_user("staff")
    old = make_post(title="Shipped long ago")
    new = make_post(title="Shipped this week")
    for post in (old, new):
        responses.change_status(staff, post, Status.DONE)
    db.session.execute(update(Post).where(Post.id == old.id).values(status_changed_at=utcnow() - timedelta(days=200)))
    db.session.commit()
    columns, _ = board(anyone())
    done = next(c for c in columns if c.key == Status.DONE)
    assert [p.title for p in done.cards] == ["Shipped this week"]


def test_roadmap_filters_by_category_and_kind(make_post, client):
    other = Category(slug="billing", name="Billing")
    db.session.add(other)
    db.session.commit()
    make_post(title="Mobile idea", kind=Kind.IDEA)
    make_post(title="Billing complaint", kind=Kind.COMPLAINT, cat=other)
    by_category = client.get("/roadmap?category=billing").get_data(as_text=True)
    assert "Billing complaint" in by_category and "Mobile idea" not in by_category
    by_kind = client.get("/roadmap?kind=idea").get_data(as_text=True)
    assert "Mobile idea" in by_kind and "Billing complaint" not in by_kind
    bad = client.get("/roadmap?kind=rant&category=nowhere")
    assert bad.status_code == 400
    assert "is not a kind of post" in bad.get_data(as_text=True)


def test_staff_move_cards_with_a_plain_form_or_json(make_post, make_user, login_as, send, client):
    post = make_post(title="Move me")
    member_page = client.get("/roadmap").get_data(as_text=True)
    assert "move-form" not in member_page
    login_as(make_user("staff"))
    assert 'class="move-form"' in client.get("/roadmap").get_data(as_text=True)

    moved = send(f"/posts/{post.id}/status", {"status": "planned", "next": "/roadmap?kind=idea"})
    assert moved.status_code == 303
    assert moved.location == "/roadmap?kind=idea"
    assert column_titles(client.get("/roadmap").get_data(as_text=True), "planned") == ["Move me"]

    dragged = send(f"/posts/{post.id}/status", {"status": "in_progress"}, headers={"Accept": "application/json"})
    assert dragged.json == {"status": "in_progress", "label": "In progress"}
    refused = send(f"/posts/{post.id}/status", {"status": "duplicate"}, headers={"Accept": "application/json"})
    assert refused.status_code == 422
    assert refused.json == {"error": "Choose one of the listed statuses."}
    db.session.rollback()
    assert db.session.get(Post, post.id).status == Status.IN_PROGRESS


def test_roadmap_query_count_is_fixed(make_post, make_user, client, count_queries):
    staff = make_user("staff")
    for n in range(3):
        responses.respond(staff, make_post(), f"Answer {n}", Status.PLANNED)
    db.session.commit()
    with count_queries() as small:
        client.get("/roadmap")
    for n in range(12):
        responses.respond(staff, make_post(), f"Answer {n}", [Status.PLANNED, Status.DONE, Status.UNDER_REVIEW][n % 3])
        make_post()
    db.session.commit()
    with count_queries() as large:
        client.get("/roadmap")
    # categories, the five columns with their newest responses in one query, and their counts
    assert len(small) == len(large) == 3


def test_a_visitor_sees_the_board_change_at_once_though_it_is_cached(make_post, make_user, client, count_queries):
    staff = make_user("staff")
    post = make_post(title="Offline mode")
    assert column_titles(client.get("/roadmap").get_data(as_text=True), "most_wanted") == ["Offline mode"]
    with count_queries() as queries:
        assert column_titles(client.get("/roadmap").get_data(as_text=True), "most_wanted") == ["Offline mode"]
    assert queries == []  # served from the cache

    responses.respond(staff, post, "We will build it this spring.", Status.PLANNED)
    db.session.commit()
    page = client.get("/roadmap").get_data(as_text=True)
    assert column_titles(page, "most_wanted") == []
    assert column_titles(page, "planned") == ["Offline mode"]
    assert "We will build it this spring." in page


def column_count(html: str, column: str) -> int:
    start = html.index(f'id="column-{column}"')
    return int(html[start:].split('class="column-count"')[1].split(">")[1].split("<")[0])


def test_every_planned_post_is_counted_and_reachable_behind_see_all(make_post, make_user, client):
    staff = make_user("staff")
    planned = []
    for n in range(40):
        post = make_post(title=f"Planned number {n + 1}")
        responses.change_status(staff, post, Status.PLANNED)
        planned.append(post)
    # The 13th and 40th get the fewest and the most votes: one lands in the column, one behind "See all".
    for _ in range(3):
        votes.add(make_user(), planned[39])
    db.session.commit()

    page = client.get("/roadmap").get_data(as_text=True)
    shown = column_titles(page, "planned")
    assert len(shown) == 12 and shown[0] == "Planned number 40"
    assert "Planned number 13" not in shown
    assert column_count(page, "planned") == 40
    assert column_count(page, "in_progress") == 0
    assert 'href="/?status=planned">See all 40' in page
    assert "See all" not in page.split('id="column-in_progress"')[1].split('class="roadmap-column"')[0]

    listed = "".join(client.get(f"/?status=planned&page={n}").get_data(as_text=True) for n in (1, 2))
    assert "Planned number 13<" in listed and "Planned number 40<" in listed


def test_see_all_keeps_the_board_filters_and_most_wanted_lists_by_votes(make_post, client):
    for n in range(13):
        make_post(title=f"Open {n}", kind=Kind.IDEA)
    db.session.commit()
    page = client.get("/roadmap?kind=idea").get_data(as_text=True)
    assert column_count(page, "most_wanted") == 13
    assert 'href="/?status=open&amp;sort=top&amp;kind=idea">See all 13' in page


def test_a_move_confirms_what_changed_and_its_public_note_reaches_timeline_and_followers(
    make_post, make_user, login_as, send, client
):
    author = make_user()
    post = make_post(title="Offline mode", author=author)
    login_as(make_user("staff"))
    moved = send(
        f"/posts/{post.id}/status",
        {"status": "planned", "note": "  Scheduled for the spring release.  ", "next": "/roadmap"},
    )
    assert moved.status_code == 303 and moved.location == "/roadmap"
    board_page = client.get("/roadmap").get_data(as_text=True)
    assert "Moved “Offline mode” from Open to Planned." in board_page
    assert "Your note is in its status history" in board_page

    post_page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    history = post_page.split('id="timeline-title"')[1].split("</section>")[0]
    assert "Scheduled for the spring release.</q>" in history
    change = db.session.scalars(db.select(StatusChange).where(StatusChange.post_id == post.id)).one()
    assert change.note == "Scheduled for the spring release."
    told = db.session.scalars(db.select(Notification).where(Notification.user_id == author.id)).all()
    assert any("Scheduled for the spring release." in n.summary for n in told)

    again = send(f"/posts/{post.id}/status", {"status": "planned", "next": "/roadmap"})
    assert again.status_code == 303
    assert "was already planned; nothing changed." in client.get("/roadmap").get_data(as_text=True)


def test_a_move_without_a_note_adds_none_and_an_overlong_note_is_refused(make_post, make_user, login_as, send):
    post = make_post(title="Dark mode")
    login_as(make_user("staff"))
    send(f"/posts/{post.id}/status", {"status": "under_review"})
    assert db.session.scalars(db.select(StatusChange.note)).one() is None
    refused = send(f"/posts/{post.id}/status", {"status": "planned", "note": "x" * 501})
    assert refused.status_code == 422
    assert "Keep the note to 500 characters or fewer." in refused.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Post, post.id).status == Status.UNDER_REVIEW
