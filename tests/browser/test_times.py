"""Times in a cached page never go stale: the server writes the moment, the browser says how long ago."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from forum.extensions import db

# Moments come back from each database in its own way (SQLite keeps no time zone).
pytestmark = [pytest.mark.browser, pytest.mark.every_database]


def test_a_page_rendered_an_hour_ago_shows_the_right_times(new_page, make_post):
    post = make_post(title="Dark mode for the invoice editor")
    posted = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=5)
    post.created_at = posted
    db.session.commit()
    path = f"/posts/{post.id}-{post.slug}"
    absolute = posted.strftime("%-d %b %Y, %H:%M UTC")

    then = new_page()
    rendered = then.goto(path)
    posted_at = then.locator(".post-head time")
    expect(posted_at).to_have_text("5 minutes ago")
    expect(posted_at).to_have_attribute("title", absolute)

    # An hour later the same page, as the cache keeps it, reaches another visitor's browser.
    later = new_page()
    later.clock.install(time=posted + timedelta(hours=1, minutes=5))
    served = later.goto(path)
    assert served.headers["etag"] == rendered.headers["etag"]
    posted_at = later.locator(".post-head time")
    expect(posted_at).to_have_text("1 hour ago")
    expect(posted_at).to_have_attribute("datetime", posted.strftime("%Y-%m-%dT%H:%M:00Z"))
    expect(posted_at).to_have_attribute("title", absolute)

    # Without JavaScript, the moment itself.
    plain = new_page(javascript=False)
    plain.goto(path)
    expect(plain.locator(".post-head time")).to_have_text(absolute)
