"""Atom feeds: what every feed of the site shares, and how it is answered.

An entry's id is the id-only address of what it is about (`/posts/12`, `/posts/12#response-5`): it
never changes when a post is retitled, so a feed reader never shows an old entry as new. A feed is
answered with an ETag and a Last-Modified, and a reader that already has it gets a 304.
"""

import hashlib
from datetime import UTC, datetime

from feedgen.feed import FeedGenerator
from flask import Response, current_app, request

# The `updated` of a feed with no entries: a fixed moment, so that its ETag stays the same.
EMPTY_FEED_UPDATED = datetime(2020, 1, 1, tzinfo=UTC)


def new_feed(title: str, alternate: str, self_url: str, subtitle: str | None = None) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(f"{current_app.config['SITE_NAME']}: {title}")
    if subtitle:
        feed.subtitle(subtitle)
    feed.link(href=alternate, rel="alternate", type="text/html")
    feed.link(href=self_url, rel="self", type="application/atom+xml")
    feed.language("en")
    feed.author(name=current_app.config["COMPANY_NAME"])  # RFC 4287: a feed names an author
    return feed


def answer(feed: FeedGenerator, updated: datetime | None) -> Response:
    """The feed as a conditional response: 304 when the reader's copy is current."""
    updated = updated or EMPTY_FEED_UPDATED
    feed.updated(updated)
    body = feed.atom_str(pretty=True)
    response = Response(body, mimetype="application/atom+xml")
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.last_modified = updated
    # The same for every reader (public posts only), revalidated at every read.
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)
