"""Who hears about what: follows, notifications per event, email preferences,
and delivery that neither loses nor doubles a message."""

import multiprocessing
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from forum.extensions import db
from forum.models import EmailMode, Event, Follow, Notification, OutboxMessage, Status, utcnow
from forum.services import accounts, comments, delivery, notify, responses, votes


def notified(event: Event | None = None) -> dict[int, list[str]]:
    """user id -> the events they were told about."""
    db.session.flush()
    query = select(Notification.user_id, Notification.event).order_by(Notification.id)
    if event is not None:
        query = query.where(Notification.event == event)
    told: dict[int, list[str]] = {}
    for user_id, name in db.session.execute(query):
        told.setdefault(user_id, []).append(name)
    return told


@pytest.fixture
def scene(make_user, make_post):
    """A post with its author, two voters, a commenter, a bystander and a staff member."""
    author, voter, quitter, commenter, bystander = (make_user() for _ in range(5))
    staff = make_user("staff")
    post = make_post(author, title="Export to CSV")
    votes.add(voter, post)
    votes.add(quitter, post)
    notify.unfollow(quitter, post)
    comments.add_comment(commenter, post, "Same here")
    db.session.commit()
    return {
        "author": author,
        "voter": voter,
        "quitter": quitter,
        "commenter": commenter,
        "bystander": bystander,
        "staff": staff,
        "post": post,
    }


def test_authors_voters_and_commenters_follow_and_an_unfollow_sticks(scene):
    post, quitter = scene["post"], scene["quitter"]
    followers = set(db.session.scalars(select(Follow.user_id).where(Follow.post_id == post.id, Follow.active)))
    assert followers == {scene["author"].id, scene["voter"].id, scene["commenter"].id}
    comments.add_comment(quitter, post, "Still not following")
    assert not notify.is_following(quitter, post)
    notify.follow(scene["bystander"], post)
    assert notify.is_following(scene["bystander"], post)


def test_an_official_response_tells_every_follower_but_the_actor_and_unfollowers(scene):
    responses.respond(scene["staff"], scene["post"], "We are on it.", Status.PLANNED)
    told = notified()
    assert told == {scene[name].id: ["response"] for name in ("author", "voter", "commenter")}
    summary = db.session.scalars(select(Notification.summary)).first()
    assert summary.endswith("answered officially and moved it to Planned: We are on it.")


def test_suspended_followers_hear_nothing(scene):
    accounts.suspend(scene["staff"], scene["voter"], until=None, reason="spam")
    responses.change_status(scene["staff"], scene["post"], Status.UNDER_REVIEW)
    assert set(notified()) == {scene["author"].id, scene["commenter"].id}


def test_shipping_tells_every_voter_at_once_even_with_digests(scene):
    voter, author = scene["voter"], scene["author"]
    notify.set_preference(voter, Event.SHIPPED, EmailMode.DIGEST)
    notify.set_preference(author, Event.STATUS, EmailMode.OFF)
    responses.change_status(scene["staff"], scene["post"], Status.DONE)
    assert set(notified(Event.SHIPPED)) == {author.id, voter.id}  # the quitter unfollowed
    shipped_mail = (
        select(OutboxMessage.user_id, OutboxMessage.kind)
        .join(Notification, Notification.id == OutboxMessage.notification_id)
        .where(Notification.event == "shipped")
    )
    emails = dict(db.session.execute(shipped_mail).all())
    assert emails == {author.id: "instant", voter.id: "instant"}
    # The author turned status emails off: the bell still has it, the inbox does not.
    status_mails = select(OutboxMessage.user_id).join(Notification, Notification.id == OutboxMessage.notification_id)
    assert author.id not in db.session.scalars(status_mails.where(Notification.event == "status")).all()
    assert author.id in notified(Event.STATUS)


def test_replies_and_mentions_reach_the_person_named(make_user, make_post):
    ana, ben, cy = make_user(name="Ana Lima"), make_user(name="Ben"), make_user(name="Cy")
    post = make_post(ana)
    first = comments.add_comment(ben, post, "What about Excel?")
    comments.add_comment(cy, post, "Agree with @AnaLima and @nobody", parent=first)
    db.session.flush()
    rows = db.session.execute(select(Notification.user_id, Notification.event).order_by(Notification.id)).all()
    assert (ben.id, "reply") in rows
    assert (ana.id, "mention") in rows
    assert all(user_id != cy.id for user_id, _ in rows)


def test_a_hidden_post_tells_its_author_why(scene, make_user):
    from forum.services import moderation

    moderator = make_user("moderator")
    moderation.toggle_post(moderator, scene["post"], "hide", "Contains a customer's phone number")
    assert notified(Event.MODERATION) == {scene["author"].id: ["moderation"]}
    assert "Reason: Contains a customer's phone number" in db.session.scalars(select(Notification.summary)).one()


def test_thousands_of_followers_cost_a_fixed_number_of_statements(make_user, make_post, count_queries):
    from forum.models import User

    post = make_post()
    staff = make_user("staff")
    now = utcnow()
    db.session.execute(
        User.__table__.insert(),
        [{"email": f"f{n}@example.com", "display_name": f"F{n}", "password_hash": "x", "role": "member",
          "created_at": now, "session_version": 1} for n in range(2000)],
    )  # fmt: skip
    ids = db.session.scalars(select(User.id).where(User.email.like("f%@example.com"))).all()
    db.session.execute(Follow.__table__.insert(), [{"user_id": i, "post_id": post.id, "active": True,
                                                    "created_at": now} for i in ids])  # fmt: skip
    db.session.commit()
    with count_queries() as queries:
        responses.respond(staff, post, "Thanks, all of you.")
    assert len(queries) < 15
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == len(ids) + 1  # + the author


def test_delivery_sends_each_message_once_with_an_unsubscribe_link(scene, outbox):
    responses.respond(scene["staff"], scene["post"], "Planned for May.", Status.PLANNED)
    db.session.commit()
    assert delivery.deliver_pending() == 3
    assert delivery.deliver_pending() == 0
    messages = outbox()
    assert sorted(m["To"] for m in messages) == sorted(scene[n].email for n in ("author", "voter", "commenter"))
    message = messages[0]
    assert message["Subject"] == "Official response: Export to CSV"
    assert message["List-Unsubscribe"].startswith("<http") and "/unsubscribe/" in message["List-Unsubscribe"]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Planned for May." in message.get_body(preferencelist=("plain",)).get_content()
    assert "Planned for May." in message.get_body(preferencelist=("html",)).get_content()


def test_digests_gather_a_days_updates_into_one_email(scene, outbox):
    notify.set_preference(scene["voter"], Event.RESPONSE, EmailMode.DIGEST)
    notify.set_preference(scene["voter"], Event.STATUS, EmailMode.DIGEST)
    responses.respond(scene["staff"], scene["post"], "Looking into it.", Status.UNDER_REVIEW)
    responses.change_status(scene["staff"], scene["post"], Status.PLANNED)
    db.session.commit()
    delivery.deliver_pending()
    assert scene["voter"].email not in [m["To"] for m in outbox()]
    assert delivery.send_digests() == 1
    digest = [m for m in outbox() if m["To"] == scene["voter"].email]
    assert len(digest) == 1
    text = digest[0].get_body().get_content()
    assert "Looking into it." in text and "to Planned" in text
    assert delivery.send_digests() == 0


def test_a_failing_mail_server_is_retried_then_given_up(scene, app, monkeypatch):
    from forum import mail

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr(mail, "send", broken)
    responses.change_status(scene["staff"], scene["post"], Status.UNDER_REVIEW)
    db.session.commit()
    for _ in range(delivery.MAX_ATTEMPTS):
        assert delivery.deliver_pending() == 0
    dead = db.session.scalars(select(OutboxMessage)).all()
    assert all(m.dead_at is not None and "smtp down" in m.last_error for m in dead)


def _crashing_worker(database_url: str, outbox_dir: str) -> None:
    """A worker process that dies right after sending its second message, before marking it sent."""
    from forum import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "MAIL_OUTBOX": outbox_dir, "DELIVERY": "manual",
                      "SECRET_KEY": "test-secret", "TESTING": True})  # fmt: skip
    sent = []

    def die_on_second(message_id):
        sent.append(message_id)
        if len(sent) == 2:
            os._exit(17)

    with app.app_context():
        delivery.deliver_pending(crash_after_send=die_on_second)


def test_a_worker_killed_mid_run_loses_nothing_and_doubles_nothing(scene, app, outbox):
    responses.respond(scene["staff"], scene["post"], "Answer for everyone.")
    db.session.commit()
    worker = multiprocessing.get_context("spawn").Process(
        target=_crashing_worker, args=(app.config["SQLALCHEMY_DATABASE_URI"], app.config["MAIL_OUTBOX"])
    )
    worker.start()
    worker.join(60)
    assert worker.exitcode == 17
    assert len(outbox()) == 2  # two sent, the second never marked
    # Its claim goes stale; the next run takes it again and rewrites the same message.
    db.session.execute(update(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
                       .values(claimed_at=utcnow() - delivery.stale_claim() - timedelta(seconds=1)))  # fmt: skip
    db.session.commit()
    assert delivery.deliver_pending() == 2
    messages = outbox()
    assert len(messages) == 3
    assert sorted(m["To"] for m in messages) == sorted(scene[n].email for n in ("author", "voter", "commenter"))
    assert db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None))) == 0


def test_rq_delivers_through_the_real_redis(scene, app, outbox):
    from rq import Queue, SimpleWorker

    from tests.conftest import live_redis

    connection = live_redis("redis://127.0.0.1:6379/14")
    queue = Queue(f"notifications-test-{os.getpid()}", connection=connection)
    queue.empty()
    responses.change_status(scene["staff"], scene["post"], Status.UNDER_REVIEW)
    db.session.commit()
    job = queue.enqueue(delivery.run_job)
    SimpleWorker([queue], connection=connection).work(burst=True)
    assert job.get_status(refresh=True) == "finished"
    assert job.return_value() == 3
    assert len(outbox()) == 3
    queue.delete(delete_jobs=True)


def test_the_command_line_delivers_and_revives_dead_letters(scene, app, outbox):
    responses.change_status(scene["staff"], scene["post"], Status.UNDER_REVIEW)
    db.session.commit()
    db.session.execute(update(OutboxMessage).values(dead_at=utcnow(), attempts=5, last_error="smtp down"))
    db.session.commit()
    runner = app.test_cli_runner()
    assert "smtp down" in runner.invoke(args=["notifications", "dead"]).output
    assert "3 messages queued again." in runner.invoke(args=["notifications", "dead", "--retry"]).output
    assert "3 emails sent." in runner.invoke(args=["notifications", "deliver"]).output
    assert len(outbox()) == 3
    assert "0 digests sent." in runner.invoke(args=["notifications", "digest"]).output
