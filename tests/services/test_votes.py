import threading

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, Status, User, Vote
from forum.services import Refused, responses, votes
from forum.services.counters import recount


def test_the_author_vote_counts_from_the_start(make_post):
    post = make_post()
    assert post.vote_count == 1
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.post_id == post.id)) == 1


def test_voting_twice_counts_once_and_taking_back_removes_it(make_post, make_user):
    post = make_post()
    voter = make_user()
    assert votes.add(voter, post) is True
    assert votes.add(voter, post) is False
    db.session.commit()
    assert db.session.get(Post, post.id).vote_count == 2
    assert votes.remove(voter, post) is True
    assert votes.remove(voter, post) is False
    db.session.commit()
    db.session.rollback()  # end the read snapshot (SQLite WAL) and expire everything
    assert db.session.get(Post, post.id).vote_count == 1


@pytest.mark.parametrize("status", [Status.DONE, Status.DECLINED])
def test_closed_posts_refuse_votes(make_post, make_user, status):
    post = make_post()
    responses.change_status(make_user("staff"), post, status)
    db.session.commit()
    with pytest.raises(Refused, match="takes no more votes"):
        votes.add(make_user(), post)
    # The votes it had are frozen too.
    with pytest.raises(Refused, match="takes no more votes"):
        votes.remove(db.session.get(User, post.author_id), post)
    assert post.vote_count == 1


def test_votes_are_exact_when_many_people_click_at_once(app, make_post, make_user):
    """40 people each click "vote" twice at the same moment from 8 threads, then
    half of them take it back twice: no vote is lost and none is doubled."""
    post = make_post()
    voters = [make_user() for _ in range(40)]
    post_id, voter_ids = post.id, [v.id for v in voters]
    errors: list[BaseException] = []

    def click(action, user_ids):
        try:
            for user_id in user_ids:
                with app.app_context():
                    from forum.models import User

                    user = db.session.get(User, user_id)
                    target = db.session.get(Post, post_id)
                    action(user, target)
                    db.session.commit()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    def run(action, ids):
        barrier_ids = [ids[i::8] for i in range(8)]
        # Every id twice, in different threads, so the same person races themself.
        threads = [threading.Thread(target=click, args=(action, chunk)) for chunk in barrier_ids + barrier_ids[::-1]]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    run(votes.add, voter_ids)
    assert errors == []
    db.session.rollback()  # end the read snapshot (SQLite WAL) and expire everything
    assert db.session.get(Post, post_id).vote_count == 41
    run(votes.remove, voter_ids[:20])
    assert errors == []
    db.session.rollback()  # end the read snapshot (SQLite WAL) and expire everything
    stored = db.session.get(Post, post_id).vote_count
    rows = db.session.scalar(select(func.count()).select_from(Vote).where(Vote.post_id == post_id))
    assert (stored, rows) == (21, 21)
    assert recount() == []


def test_votes_on_behalf_are_exact_when_staff_and_people_click_at_once(app, make_post, make_user):
    """Two staff members record the same 20 requests (10 of them for addresses without an account)
    from several threads while 10 of those people click "vote" themselves: one vote per person,
    one account per address, and the counter matches the rows."""
    from forum.models import VoteSource
    from forum.services import accounts

    post = make_post()
    staff_ids = [make_user("staff").id, make_user("staff").id]
    people = [make_user() for _ in range(10)]
    emails = [p.email for p in people] + [f"new{n}@customer.example" for n in range(10)]
    post_id, people_ids = post.id, [p.id for p in people]
    errors: list[BaseException] = []

    def record(staff_id, chunk):
        try:
            for email in chunk:
                with app.app_context():
                    staff, target = db.session.get(User, staff_id), db.session.get(Post, post_id)
                    votes.record_on_behalf(staff, target, email, priority="important", note="Heard on a call")
                    db.session.commit()
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    def click(chunk):
        try:
            for user_id in chunk:
                with app.app_context():
                    votes.add(db.session.get(User, user_id), db.session.get(Post, post_id))
                    db.session.commit()
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=record, args=(staff_id, emails[i::3])) for staff_id in staff_ids for i in range(3)
    ]
    threads += [threading.Thread(target=click, args=(people_ids[i::2],)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    db.session.rollback()
    rows = db.session.scalars(select(Vote).where(Vote.post_id == post_id)).all()
    assert db.session.get(Post, post_id).vote_count == len(rows) == 21  # the author, and 20 people once each
    assert len({vote.user_id for vote in rows}) == 21
    placeholders = db.session.scalars(select(User).where(User.is_placeholder.is_(True))).all()
    assert sorted(u.email for u in placeholders) == sorted(emails[10:])
    assert all(accounts.find_by_email(email) is not None for email in emails)
    # Whoever came first decided the vote's source; the new addresses could only be recorded.
    sources = {vote.user_id: vote.source for vote in rows}
    assert {sources[u.id] for u in placeholders} == {VoteSource.ON_BEHALF}
    assert recount() == []
