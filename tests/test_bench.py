"""`flask bench seed`: bulk data whose counters already agree with the rows."""

from sqlalchemy import func, select

from forum.bench import COMMENTED_POST_COMMENTS
from forum.extensions import db
from forum.models import Comment, OfficialResponse, Post, Status, StatusChange, User, Vote
from forum.services.counters import recount


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_bench_seed_writes_the_rows_asked_for_with_exact_counters(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["bench", "seed", "--posts", "200", "--votes", "2000", "--comments", "700", "--users", "100"]
    )
    assert result.exit_code == 0, result.output
    assert "Seeded 100 users, 200 posts, 2000 votes, 700 comments" in result.output
    db.session.rollback()
    assert (_count(User), _count(Post), _count(Vote), _count(Comment)) == (100, 200, 2000, 700)
    assert recount() == []

    vote_counts = sorted(db.session.scalars(select(Post.vote_count)), reverse=True)
    assert min(vote_counts) >= 1  # the author's own vote
    assert vote_counts[0] >= 5 * vote_counts[len(vote_counts) // 2]  # a few posts draw most votes
    assert db.session.scalar(select(func.max(Post.comment_count))) == COMMENTED_POST_COMMENTS
    answered = db.session.scalar(select(func.count()).select_from(Post).where(Post.status != Status.OPEN))
    assert _count(OfficialResponse) == _count(StatusChange) == answered
    # Replies hang under a comment of the same post.
    parent = Comment.__table__.alias("parent")
    strays = db.session.scalar(
        select(func.count())
        .select_from(Comment)
        .join(parent, parent.c.id == Comment.parent_id)
        .where(parent.c.post_id != Comment.post_id)
    )
    assert strays == 0


def test_bench_seed_adds_after_existing_rows_and_new_posts_still_work(app, app_ctx, make_post):
    existing = make_post()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["bench", "seed", "--posts", "20", "--votes", "60", "--comments", "10", "--users", "5"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert _count(Post) == 21
    # The id sequences moved past the bulk rows: the ORM can insert again.
    assert make_post().id > existing.id + 20
    assert recount() == []


def test_bench_seed_refuses_impossible_numbers(app):
    result = app.test_cli_runner().invoke(
        args=["bench", "seed", "--posts", "10", "--votes", "5", "--comments", "0", "--users", "3"]
    )
    assert result.exit_code != 0
    assert "at least --posts" in result.output
