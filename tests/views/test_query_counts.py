"""Pages use a fixed number of SQL queries, whatever the number of rows."""

from forum.extensions import db
from forum.services import comments, responses, votes


def _fill(make_post, make_user, posts: int, extra_votes: int, extra_comments: int):
    staff = make_user("staff")
    voters = [make_user() for _ in range(extra_votes)]
    created = []
    for _ in range(posts):
        post = make_post()
        for voter in voters:
            votes.add(voter, post)
        for n in range(extra_comments):
            parent = comments.add_comment(voters[n % len(voters)] if voters else staff, post, f"Comment {n}")
            comments.add_comment(staff, post, "A reply", parent)
        responses.respond(staff, post, "We hear you.", "under_review")
        created.append(post)
    db.session.commit()
    return created, voters


def _queries_for(client, count_queries, url):
    with count_queries() as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_home_page_queries_do_not_grow_with_posts_or_votes(make_post, make_user, login_as, client, count_queries):
    _, voters = _fill(make_post, make_user, posts=2, extra_votes=1, extra_comments=0)
    login_as(voters[0])
    small = _queries_for(client, count_queries, "/")
    _fill(make_post, make_user, posts=12, extra_votes=3, extra_comments=1)
    large = _queries_for(client, count_queries, "/")
    assert small == large
    # session user, categories, posts (with authors and categories), my votes, my unread notifications
    assert large == 5


def test_post_page_queries_do_not_grow_with_comments(make_post, make_user, login_as, client, count_queries):
    (small_post,), _ = _fill(make_post, make_user, posts=1, extra_votes=1, extra_comments=1)
    (large_post,), _ = _fill(make_post, make_user, posts=1, extra_votes=4, extra_comments=15)
    login_as(make_user("staff"))
    small = _queries_for(client, count_queries, f"/posts/{small_post.id}-{small_post.slug}")
    large = _queries_for(client, count_queries, f"/posts/{large_post.id}-{large_post.slug}")
    assert small == large
    # session user, post (and whether it has responses, status changes, duplicates merged into it),
    # latest response, timeline, a page of comments, their replies, my vote, do I follow it, my
    # unread notifications, and for staff: internal notes, the categories to move the post to, the
    # staff bar's figures, the companies of the author and commenters, and who asked (votes by
    # priority, voters' companies, the first voters)
    assert large == 16


def test_a_visitor_reads_a_plain_post_in_two_queries(make_post, client, count_queries):
    """A post with no official response, no status change and no duplicate merged into it (most
    posts): the post's own query tells, and only the comments are read besides."""
    post = make_post()
    # the post with its author, category and what else it has; a page of top-level comments
    assert _queries_for(client, count_queries, f"/posts/{post.id}-{post.slug}") == 2
