from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from forum.extensions import db
from forum.models import Kind, Post, Role, Vote
from forum.permissions import Guardian
from forum.services import insights, votes

NOW = datetime(2026, 6, 10, 12, 0, tzinfo=UTC)  # a Wednesday


def test_top_and_rising_requests_and_voters_active_elsewhere(make_post, make_user, app_ctx):
    big_old = make_post(title="Big old request")
    rising = make_post(title="Rising request")
    quiet = make_post(title="Quiet request")
    regulars = [make_user() for _ in range(3)]
    for user in regulars:
        votes.add(user, big_old)
    for _ in range(2):
        votes.add(make_user(), big_old)
    votes.add(regulars[0], rising)
    votes.add(make_user(), rising)
    db.session.commit()
    long_ago = datetime.now(UTC) - timedelta(days=60)
    db.session.execute(update(Vote).where(Vote.post_id == big_old.id).values(created_at=long_ago))
    db.session.commit()

    top, gaining = insights.top_requests(Guardian(make_user(Role.STAFF)), datetime.now(UTC) - timedelta(days=30))
    assert [r.post.title for r in top] == ["Big old request", "Rising request", "Quiet request"]
    assert [r.votes_in_period for r in top] == [0, 3, 1]
    assert [r.post.title for r in gaining] == ["Rising request", "Quiet request"]
    # regulars[0] voted for both big_old and rising
    assert top[0].voters_active_elsewhere == 1
    assert gaining[0].voters_active_elsewhere == 1
    assert quiet.vote_count == 1


def test_volumes_per_month_by_category_and_kind(make_post, make_user, app_ctx):
    now = datetime.now(UTC)
    this_month = insights.month_key(now)
    for kind in (Kind.IDEA, Kind.IDEA, Kind.COMPLAINT):
        make_post(kind=kind)
    months, by_category, by_kind = insights.volumes(Guardian(make_user(Role.STAFF)))
    assert months[-1] == this_month and len(months) == 6
    assert by_category["Mobile app"][this_month] == 3
    assert by_kind["Idea"][this_month] == 2
    assert by_kind["Complaint"][this_month] == 1


def test_weekly_votes_on_a_fixed_clock(make_post, make_user, app_ctx):
    post = make_post()
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=NOW - timedelta(days=15)))
    for days_ago in (14, 13, 2):
        vote_user = make_user()
        votes.add(vote_user, post)
        db.session.commit()
        db.session.execute(
            update(Vote)
            .where(Vote.post_id == post.id, Vote.user_id == vote_user.id)
            .values(created_at=NOW - timedelta(days=days_ago))
        )
    db.session.execute(update(Vote).where(Vote.post_id == post.id, Vote.user_id == post.author_id).values(
        created_at=NOW - timedelta(days=15)))  # fmt: skip
    db.session.commit()
    db.session.refresh(post)
    series = insights.weekly_votes(post, now=NOW)
    assert [(week.strftime("%Y-%m-%d"), count) for week, count in series] == [
        ("2026-05-25", 3),
        ("2026-06-01", 0),
        ("2026-06-08", 1),
    ]


def test_insights_pages_show_tables_and_an_svg_chart(make_post, make_user, login_as, client):
    post = make_post(title="Charted request")
    votes.add(make_user(), post)
    db.session.commit()
    login_as(make_user("staff"))
    page = client.get("/staff/insights?days=7").get_data(as_text=True)
    assert "Top requests by votes" in page and "Charted request" in page
    assert "New posts per month, by category" in page
    assert client.get("/staff/insights?days=8").status_code == 400
    chart = client.get(f"/staff/insights/posts/{post.id}").get_data(as_text=True)
    assert '<svg role="img"' in chart
    assert "<title>" in chart and ": 2</title>" in chart  # the bar's value is written, not only drawn


def test_insights_are_for_staff_only(make_post, make_user, login_as, client):
    post = make_post()
    for url in ("/staff/insights", f"/staff/insights/posts/{post.id}"):
        login_as(make_user("moderator"))
        assert client.get(url).status_code == 403
