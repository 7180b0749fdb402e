import csv
import io
import math
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from forum.extensions import db
from forum.models import Category, FlagReason, Kind, Post, Status, Vote
from forum.services import comments, moderation, queue, responses, votes
from tests.conftest import PASSWORD, csrf_token_from

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

STAFF_PAGES = [
    "/staff/queue",
    "/staff/queue?view=answered",
    "/staff/queue?view=mine",
    "/staff/export/posts.csv",
]


@pytest.mark.parametrize("url", STAFF_PAGES)
def test_staff_tools_are_for_staff_only(make_user, make_post, login_as, client, url):
    assert client.get(url).status_code == 302  # visitors sign in first
    for role in ("member", "moderator"):
        login_as(make_user(role))
        assert client.get(url).status_code == 403
    login_as(make_user("staff"))
    assert client.get(url).status_code == 200
    login_as(make_user("admin"))
    assert client.get(url).status_code == 200


def test_urgency_formula_on_a_fixed_clock():
    fresh_complaint = queue.urgency("complaint", 10, 6, 4, NOW - timedelta(days=1), NOW)
    assert fresh_complaint == pytest.approx(1.5 * (10 + 4 * 6 + 2 * 4) * (1 + math.log(2)))
    old_idea = queue.urgency("idea", 30, 0, 0, NOW - timedelta(days=29), NOW)
    assert old_idea == pytest.approx(30 * (1 + math.log(30)))
    # The case: a 60-vote complaint unanswered for 51 days against a new 1-vote one.
    neglected = queue.urgency("complaint", 60, 0, 0, NOW - timedelta(days=51), NOW)
    brand_new = queue.urgency("complaint", 1, 1, 0, NOW - timedelta(minutes=1), NOW)
    assert neglected > 50 * brand_new
    # Waiting longer, or more people asking, only ever raises a post.
    assert queue.urgency("idea", 5, 0, 0, NOW - timedelta(days=8), NOW) > queue.urgency(
        "idea", 5, 0, 0, NOW - timedelta(days=7), NOW
    )


def _backdate(model, ids, when):
    db.session.execute(update(model).where(model.id.in_(ids)).values(created_at=when))


def test_queue_puts_fast_gathering_unanswered_complaints_first(make_post, make_user, login_as, client, app_ctx):
    staff = make_user("staff")
    calm = make_post(title="Calm old idea", kind=Kind.IDEA)
    hot = make_post(title="Hot complaint", kind=Kind.COMPLAINT)
    warm = make_post(title="Warm idea", kind=Kind.IDEA)
    answered = make_post(title="Already answered", kind=Kind.COMPLAINT)
    responses.respond(staff, answered, "We are on it.")
    for _ in range(3):
        votes.add(make_user(), hot)
    votes.add(make_user(), warm)
    comments.add_comment(make_user(), hot, "Same problem here")
    db.session.commit()
    _backdate(Post, [calm.id], NOW - timedelta(days=40))
    _backdate(Vote, [v for (v,) in db.session.execute(db.select(Vote.id).where(Vote.post_id == calm.id))],
              NOW - timedelta(days=40))  # fmt: skip
    db.session.commit()

    items = queue.unanswered()
    assert [i.post.title for i in items] == ["Hot complaint", "Warm idea", "Calm old idea"]
    assert items[0].votes_24h == 4 and items[0].comments_24h == 1

    login_as(staff)
    page = client.get("/staff/queue").get_data(as_text=True)
    assert page.index("Hot complaint") < page.index("Warm idea") < page.index("Calm old idea")
    assert "Already answered" not in page
    assert "+4 votes, +1 comment in 24 h" in page
    answered_page = client.get("/staff/queue?view=mine").get_data(as_text=True)
    assert "Already answered" in answered_page and "Hot complaint" not in answered_page
    other_staff = make_user("staff")
    login_as(other_staff)
    assert "Already answered" not in client.get("/staff/queue?view=mine").get_data(as_text=True)
    assert "Already answered" in client.get("/staff/queue?view=answered").get_data(as_text=True)
    assert client.get("/staff/queue?view=everything").status_code == 400


def _read_csv(response) -> list[dict]:
    assert response.mimetype == "text/csv"
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8's byte-order mark, for Excel
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_exports_open_in_pandas_with_accents_and_formulas_kept_safe(make_post, make_user, login_as, client):
    import pandas

    post = make_post(make_user(name="Émile"), title="Exportér “CSV” à l’écran")
    make_post(title="@SUM(A1:A9)")
    votes.add(make_user(name="Zoë Dubois"), post)
    db.session.commit()
    login_as(make_user("staff"))
    for url, column, expected in (
        ("/staff/export/posts.csv", "title", ["Exportér “CSV” à l’écran", "'@SUM(A1:A9)"]),
        (f"/staff/export/posts/{post.id}/voters.csv", "display_name", ["Émile", "Zoë Dubois"]),
    ):
        response = client.get(url)
        assert response.data[:3] == b"\xef\xbb\xbf"
        # As a spreadsheet user's pandas reads it: the encoding named, the mark taken off the first column.
        table = pandas.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
        assert table.columns[0] in ("id", "user_id")
        assert table[column].tolist() == expected


def test_posts_export_has_votes_status_and_dates(make_post, make_user, login_as, client):
    staff = make_user("staff")
    post = make_post(title='=HYPERLINK("http://evil")')
    votes.add(make_user(), post)
    responses.respond(staff, post, "Planned.", Status.PLANNED)
    db.session.commit()
    login_as(staff)
    response = client.get("/staff/export/posts.csv")
    assert response.headers["Content-Disposition"] == 'attachment; filename="posts.csv"'
    (row,) = _read_csv(response)
    assert row["id"] == str(post.id)
    assert row["title"] == '\'=HYPERLINK("http://evil")'  # never a live formula
    assert (row["status"], row["votes"], row["comments"], row["category"]) == ("planned", "2", "0", "mobile-app")
    assert row["created_at"].startswith(str(post.created_at.year))
    assert row["first_response_at"] and row["status_changed_at"]
    assert row["url"].endswith(f"/posts/{post.id}-{post.slug}")


def test_voters_export_lists_each_voter_once(make_post, make_user, login_as, client):
    author = make_user(name="Author")
    post = make_post(author)
    votes.add(make_user(name="Second", email="second@example.com"), post)
    db.session.commit()
    login_as(make_user())
    assert client.get(f"/staff/export/posts/{post.id}/voters.csv").status_code == 403
    login_as(make_user("staff"))
    rows = _read_csv(client.get(f"/staff/export/posts/{post.id}/voters.csv"))
    assert [(r["display_name"], r["email"]) for r in rows] == [
        ("Author", author.email),
        ("Second", "second@example.com"),
    ]


def test_queue_query_count_is_fixed(make_post, make_user, login_as, client, count_queries):
    staff = make_user("staff")
    make_post(kind=Kind.COMPLAINT)
    login_as(staff)
    with count_queries() as small:
        client.get("/staff/queue")
    for _ in range(8):
        post = make_post()
        votes.add(make_user(), post)
        comments.add_comment(make_user(), post, "Me too")
    db.session.commit()
    with count_queries() as large:
        client.get("/staff/queue")
    # signed-in user, categories, candidates, votes in 24 h, comments in 24 h, the shown posts
    assert len(small) == len(large) == 9  # with the bell's unread count and the staff bar's figures


def test_deleted_accounts_votes_stop_counting(make_post, make_user, app_ctx):
    from forum.models import User
    from forum.services.counters import recount

    voter = make_user()
    post = make_post()
    votes.add(voter, post)
    db.session.commit()
    db.session.execute(update(User).where(User.id == voter.id).values(deleted_at=NOW))
    db.session.commit()
    drift = recount()
    assert [(d.field, d.stored, d.actual) for d in drift] == [("vote_count", 2, 1)]


def test_a_neglected_popular_complaint_outranks_a_new_one_vote_post(make_post, make_user, login_as, client):
    neglected = make_post(title="Push notifications arrive hours late on iOS", kind=Kind.COMPLAINT)
    for _ in range(59):
        votes.add(make_user(), neglected)
    make_post(title="Brand new gripe", kind=Kind.COMPLAINT)
    db.session.commit()
    weeks_ago = datetime.now(UTC) - timedelta(days=51)
    _backdate(Post, [neglected.id], weeks_ago)
    vote_ids = db.session.scalars(db.select(Vote.id).where(Vote.post_id == neglected.id)).all()
    _backdate(Vote, vote_ids, weeks_ago)
    db.session.commit()

    login_as(make_user("staff"))
    page = client.get("/staff/queue").get_data(as_text=True)
    assert page.index("Push notifications arrive hours late on iOS") < page.index("Brand new gripe")
    assert "days unanswered" in page  # the formula is on the page


def test_queue_filters_by_kind_category_and_status(make_post, make_user, login_as, client):
    billing = Category(slug="billing", name="Billing")
    db.session.add(billing)
    db.session.commit()
    staff = make_user("staff")
    make_post(title="App idea", kind=Kind.IDEA)
    make_post(title="Billing complaint", kind=Kind.COMPLAINT, cat=billing)
    reviewed = make_post(title="Reviewed idea", kind=Kind.IDEA)
    responses.change_status(staff, reviewed, Status.UNDER_REVIEW)
    answered = make_post(title="Answered complaint", kind=Kind.COMPLAINT, cat=billing)
    responses.respond(staff, answered, "Fixed in 4.2.", Status.PLANNED)
    db.session.commit()
    login_as(staff)

    def shown(url):
        page = client.get(url).get_data(as_text=True)
        return {t for t in ("App idea", "Billing complaint", "Reviewed idea", "Answered complaint") if t + "<" in page}

    assert shown("/staff/queue") == {"App idea", "Billing complaint", "Reviewed idea"}
    assert shown("/staff/queue?kind=complaint") == {"Billing complaint"}
    assert shown("/staff/queue?category=billing") == {"Billing complaint"}
    assert shown("/staff/queue?status=under_review") == {"Reviewed idea"}
    assert shown("/staff/queue?view=answered&category=billing") == {"Answered complaint"}
    assert shown("/staff/queue?view=mine&kind=idea") == set()
    assert shown("/staff/queue?view=mine&status=planned") == {"Answered complaint"}
    bad = client.get("/staff/queue?kind=rant")
    assert bad.status_code == 400 and "is not a kind of post" in bad.get_data(as_text=True)
    # the tabs keep the filters
    assert 'href="/staff/queue?view=answered&amp;kind=complaint"' in client.get("/staff/queue?kind=complaint").get_data(
        as_text=True
    )


def test_staff_land_on_the_queue_and_the_staff_bar_counts_what_waits(make_post, make_user, client):
    staff = make_user("staff", email="agent@example.com")
    make_post(title="Waiting one")
    make_post(title="Waiting two")
    reported = make_post(title="Reported one")
    moderation.flag(make_user(), reported, FlagReason.SPAM, threshold=3)
    db.session.commit()

    def sign_in(email, next_url=None):
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        form = {"email": email, "password": PASSWORD, "csrf_token": token}
        if next_url:
            form["next"] = next_url
        return client.post("/login", data=form)

    assert sign_in("agent@example.com").location == "/staff/queue"
    bar = client.get("/staff/queue").get_data(as_text=True).split('class="staff-nav"')[1].split("</nav>")[0]
    assert '3<span class="visually-hidden"> unanswered' in bar
    assert '1<span class="visually-hidden"> waiting' in bar
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))})
    assert sign_in("agent@example.com", "/roadmap").location == "/roadmap"
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").get_data(as_text=True))})
    make_user(email="member@example.com")
    assert sign_in("member@example.com").location == "/"
    assert staff.id
