"""Every public page runs the same number of SQL queries with little data and with ten times more.

The data comes from `flask bench seed` (skewed votes and comments, answered posts on the roadmap),
so a lazy load or a per-row query anywhere in a page shows up as a count that grows."""

import pytest
from sqlalchemy import select

from bench.seed import seed
from forum.extensions import db
from forum.models import Post, User

PAGES = [
    "/",
    "/?sort=top",
    "/?sort=new",
    "/?sort=active",
    "/?kind=complaint&sort=top",
    "/?status=planned",
    "/?category=invoicing&sort=new",
    "/?page=2",
    "POST_PAGE",
    "/roadmap",
    "/roadmap?category=payments",
    "/changelog",
    "/changelog.atom",
    "/responsiveness",
]


def _busiest_post_url() -> str:
    post = db.session.scalars(select(Post).order_by(Post.comment_count.desc(), Post.id).limit(1)).one()
    return f"/posts/{post.id}-{post.slug}"


def _queries(client, count_queries, url: str) -> int:
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("signed_in", [False, True], ids=["visitor", "member"])
def test_page_queries_do_not_grow_with_data(app_ctx, client, count_queries, login_as, signed_in):
    seed(posts=80, votes=400, comments=200, users=30, rng_seed=3)
    if signed_in:
        login_as(db.session.scalars(select(User).where(User.role == "member").limit(1)).one())
    small = {
        page: _queries(client, count_queries, _busiest_post_url() if page == "POST_PAGE" else page) for page in PAGES
    }
    seed(posts=300, votes=3000, comments=1500, users=100, rng_seed=4)
    large = {
        page: _queries(client, count_queries, _busiest_post_url() if page == "POST_PAGE" else page) for page in PAGES
    }
    assert large == small
