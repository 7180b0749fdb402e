import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Status, StatusChange, statuses
from forum.services import Refused, responses


def test_every_status_change_enters_the_timeline(make_post, make_user):
    post = make_post()
    staff = make_user("staff")
    responses.change_status(staff, post, Status.UNDER_REVIEW)
    answer = responses.respond(staff, post, "Planned for spring.", Status.PLANNED)
    responses.change_status(staff, post, Status.IN_PROGRESS)
    db.session.commit()
    changes = db.session.scalars(select(StatusChange).order_by(StatusChange.id)).all()
    assert [(c.from_status, c.to_status) for c in changes] == [
        ("open", "under_review"),
        ("under_review", "planned"),
        ("planned", "in_progress"),
    ]
    assert [c.response_id for c in changes] == [None, answer.id, None]
    assert all(c.actor_id == staff.id for c in changes)


def test_setting_the_same_status_records_nothing(make_post, make_user):
    post = make_post()
    assert responses.change_status(make_user("staff"), post, Status.OPEN) is None
    assert db.session.scalars(select(StatusChange)).first() is None


def test_duplicate_is_reached_only_by_merging(make_post, make_user):
    post = make_post()
    with pytest.raises(Refused, match="only by merging"):
        responses.change_status(make_user("staff"), post, Status.DUPLICATE)


def test_a_closed_post_can_be_reopened(make_post, make_user):
    post = make_post()
    staff = make_user("staff")
    responses.change_status(staff, post, Status.DECLINED)
    responses.change_status(staff, post, Status.OPEN)
    assert post.status == Status.OPEN


@pytest.mark.parametrize("role", ["member", "moderator"])
def test_only_staff_change_status_or_answer(make_post, make_user, role):
    from werkzeug.exceptions import Forbidden

    post = make_post()
    with pytest.raises(Forbidden):
        responses.change_status(make_user(role), post, Status.PLANNED)
    with pytest.raises(Forbidden):
        responses.respond(make_user(role), post, "Not mine to say")


def test_the_seeded_statuses_keep_their_slugs_and_closed_ones_are_known_by_kind(app_ctx):
    registry = statuses()
    assert [s.slug for s in registry.current] == [
        "open", "under_review", "planned", "in_progress", "done", "declined"
    ]  # fmt: skip
    assert set(registry.closed()) == {Status.DONE, Status.DECLINED, Status.DUPLICATE}
    assert set(registry.waiting()) == {Status.OPEN, Status.UNDER_REVIEW}
    assert registry.get("planned").label == "Planned"
