"""The one rule for "may this person see this post": every surface asks here.

`Guardian.can_see_post` answers for one post in Python; `visible_posts` is the same rule as SQL for
lists, searches, feeds, exports, the API, webhooks and counts. Keep the two in step: they are tested
together.
"""

from sqlalchemy import ColumnElement

from forum.models import Post


def visible_posts(guardian) -> ColumnElement[bool]:
    """SQL: the posts a list, search, feed or count may show to `guardian` (a Guardian)."""
    return Post.public()
