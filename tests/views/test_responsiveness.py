from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from forum.extensions import db
from forum.models import Category, Post
from forum.permissions import anyone
from forum.services.insights import humanize, responsiveness

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _post(make_post, *, hours_to_answer, cat=None, start=START):
    post = make_post(cat=cat)
    answered = None if hours_to_answer is None else start + timedelta(hours=hours_to_answer)
    db.session.execute(update(Post).where(Post.id == post.id).values(created_at=start, first_response_at=answered))
    db.session.commit()
    return post


def test_figures_on_known_data(make_post, category, app_ctx):
    billing = Category(slug="billing", name="Billing")
    db.session.add(billing)
    db.session.commit()
    for hours in (1, 2, 3, 4, 10):
        _post(make_post, hours_to_answer=hours)
    _post(make_post, hours_to_answer=None)
    _post(make_post, hours_to_answer=48, cat=billing, start=START + timedelta(days=31))
    _post(make_post, hours_to_answer=None, cat=billing, start=START + timedelta(days=31))

    overall, by_category, by_month = responsiveness(anyone())
    assert (overall.posts, overall.answered) == (8, 6)
    assert overall.median == timedelta(hours=3.5)
    # inclusive percentile of [1, 2, 3, 4, 10, 48] h at 0.9: 10 + 0.5 * (48 - 10)
    assert overall.p90 == timedelta(hours=29)
    mobile = next(row for row in by_category if row.label == "Mobile app")
    assert (mobile.posts, mobile.answered, mobile.median) == (6, 5, timedelta(hours=3))
    billing_row = next(row for row in by_category if row.label == "Billing")
    assert (billing_row.posts, billing_row.answered, billing_row.p90) == (2, 1, timedelta(hours=48))
    assert [m.label for m in by_month] == ["2026-04", "2026-03"]
    assert by_month[1].share == 5 / 6


def test_the_page_shows_the_figures(make_post, category, client):
    for hours in (2, 4):
        _post(make_post, hours_to_answer=hours)
    _post(make_post, hours_to_answer=None)
    page = client.get("/responsiveness").get_data(as_text=True)
    assert "67&nbsp;%" in page
    assert "of 3 posts answered officially" in page
    assert "3 h" in page  # the median
    assert "Mobile app" in page


def test_durations_read_like_people_talk():
    assert humanize(None) == "—"
    assert humanize(timedelta(minutes=12)) == "12 min"
    assert humanize(timedelta(hours=3)) == "3 h"
    assert humanize(timedelta(hours=5.5)) == "5.5 h"
    assert humanize(timedelta(days=3)) == "3 days"
