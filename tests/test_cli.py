from datetime import timedelta

from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import Category, Comment, Follow, Notification, OfficialResponse, Post, Role, Status, User, Vote
from forum.services import accounts


def test_user_create_makes_an_account_with_a_role(app, app_ctx):
    result = app.test_cli_runner().invoke(
        args=["user", "create", "boss@example.com", "--password", "long enough pass", "--role", "admin"]
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.role, user.display_name) == ("boss@example.com", Role.ADMIN, "boss")


def test_user_create_refuses_a_taken_email_and_a_short_password(app, make_user):
    make_user(email="taken@example.com")
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["user", "create", "taken@example.com", "--password", "long enough pass"])
    assert taken.exit_code != 0
    assert "already exists" in taken.output
    short = runner.invoke(args=["user", "create", "new@example.com", "--password", "short"])
    assert short.exit_code != 0
    assert "at least 8 characters" in short.output


def test_recount_repairs_and_reports_drifted_counters(app, make_post, make_user):
    post = make_post()
    db.session.execute(update(Post).where(Post.id == post.id).values(vote_count=7))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["recount"])
    assert result.exit_code == 0, result.output
    assert f"post {post.id}: vote_count was 7, is 1" in result.output
    db.session.rollback()
    assert db.session.get(Post, post.id).vote_count == 1
    again = app.test_cli_runner().invoke(args=["recount"])
    assert "0 differences fixed" in again.output


def test_demo_load_fills_an_empty_forum_once(app, app_ctx):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    assert "200 posts" in result.output
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    assert count(Post) == 200
    assert count(Category) >= 6
    assert count(Vote) > 400
    assert count(Comment) > 100
    assert count(OfficialResponse) > 50
    assert count(Follow) >= count(Vote)  # every voter follows; commenters too
    assert count(Notification) > 50  # followers were told of the official answers
    statuses = set(db.session.scalars(select(Post.status).distinct()))
    assert {
        Status.OPEN,
        Status.UNDER_REVIEW,
        Status.PLANNED,
        Status.IN_PROGRESS,
        Status.DONE,
        Status.DECLINED,
    } <= statuses
    staff = db.session.scalars(select(User).where(User.email == "staff@example.com")).one()
    assert staff.role == Role.STAFF
    # Believable for the staff and product pages: many members, a long tail of votes, long discussions,
    # answers spread over months.
    assert count(User) >= 1500
    votes = sorted(db.session.scalars(select(Post.vote_count)), reverse=True)
    assert votes[2] >= 200 and votes[len(votes) // 2] <= 20
    assert len([n for n in db.session.scalars(select(Post.comment_count)) if n >= 50]) >= 3
    first, last = db.session.execute(
        select(func.min(OfficialResponse.created_at), func.max(OfficialResponse.created_at))
    ).one()
    assert last - first > timedelta(days=90)
    member = db.session.scalars(select(User).where(User.email == "member1500@example.com")).one()
    assert accounts.authenticate(member.email, "demo-member-pass") == member
    # Customers for the Prioritize page: companies with plans and revenue, people in them, and requests
    # the team recorded on their behalf (two for addresses that have no account yet).
    from forum.models import Company, CompanyMember, Priority, VoteSource
    from forum.permissions import Guardian
    from forum.services import demand

    assert count(Company) >= 5 and count(CompanyMember) >= 50
    recorded = db.session.scalars(select(Vote).where(Vote.source == VoteSource.ON_BEHALF)).all()
    assert len(recorded) >= 10 and all(v.note and v.recorded_by_id == staff.id for v in recorded)
    assert {v.priority for v in recorded} == {p.value for p in Priority}
    assert len(db.session.scalars(select(User).where(User.is_placeholder.is_(True))).all()) == 2
    top, _ = demand.prioritize(Guardian(staff), demand.DemandFilters(sort="revenue"))
    assert top[0].revenue > 20000 and top[0].companies >= 2
    assert demand.prioritize(Guardian(staff), demand.DemandFilters(plan="Enterprise"))[0]
    # Counters agree with the rows.
    from forum.services.counters import recount

    assert recount() == []
    db.session.rollback()
    again = runner.invoke(args=["demo", "load"])
    assert "already has posts" in again.output
    assert count(Post) == 200
