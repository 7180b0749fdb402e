"""Password reset by emailed link, no account enumeration, and the bot traps on
the sign-up and new-post forms."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Flag, FlagReason, Post, User
from tests.conftest import PASSWORD, link_in


def without_tokens(page) -> str:
    """The page with its CSRF tokens (signed with the time) blanked."""
    html = page if isinstance(page, str) else page.get_data(as_text=True)
    return re.sub(r'(name="csrf[-_]token"[^>]*(?:content|value)=")[^"]+', r"\1", html)


def test_password_reset_link_works_once_and_signs_out_elsewhere(make_user, app, client, send, outbox):
    user = make_user(email="lena@example.com", name="Lena")
    other_device = app.test_client()
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    assert other_device.get("/account").status_code == 200

    response = send("/reset", {"email": "LENA@example.com"})
    assert (response.status_code, response.headers["Location"]) == (303, "/reset/sent")
    [message] = outbox()
    assert message["To"] == "lena@example.com"
    link = link_in(message, "/reset/")
    assert "Choose a new password" in client.get(link).get_data(as_text=True)

    short = send(link, {"password": "short"})
    assert short.status_code == 422
    assert "A password needs 8 to 200 characters." in short.get_data(as_text=True)

    done = send(link, {"password": "a brand new password"})
    assert done.status_code == 303
    assert "Your password is changed" in client.get("/").get_data(as_text=True)
    assert other_device.get("/account").status_code == 302  # signed out everywhere else
    send("/logout")
    assert send("/login", {"email": "lena@example.com", "password": "a brand new password"}).status_code == 303
    send("/logout")
    assert send("/login", {"email": "lena@example.com", "password": PASSWORD}).status_code == 422

    # Spent: the same link cannot set the password again.
    reused = send(link, {"password": "attacker's password"})
    assert reused.status_code == 400
    assert "This link no longer works" in reused.get_data(as_text=True)


def test_password_reset_link_expires(make_user, app, client, send, outbox):
    make_user(email="old@example.com")
    send("/reset", {"email": "old@example.com"})
    link = link_in(outbox()[0], "/reset/")
    app.config["PASSWORD_RESET_MAX_AGE"] = timedelta(seconds=-1)
    try:
        expired = client.get(link)
    finally:
        app.config["PASSWORD_RESET_MAX_AGE"] = timedelta(hours=1)
    assert expired.status_code == 400
    assert "Ask for a new link" in expired.get_data(as_text=True)
    assert client.get("/reset/not-a-token").status_code == 400


def test_reset_answers_the_same_for_known_and_unknown_addresses(make_user, client, send, outbox):
    make_user(email="known@example.com")
    known = send("/reset", {"email": "known@example.com"})
    known_page = client.get("/reset/sent").get_data(as_text=True)
    unknown = send("/reset", {"email": "unknown@example.com"})
    unknown_page = client.get("/reset/sent").get_data(as_text=True)
    assert (known.status_code, known.headers["Location"]) == (unknown.status_code, unknown.headers["Location"])
    assert without_tokens(known_page).replace("known@", "X@") == without_tokens(unknown_page).replace("unknown@", "X@")
    assert [m["To"] for m in outbox()] == ["known@example.com"]


def test_sign_in_does_not_tell_a_wrong_password_from_an_unknown_account(make_user, send):
    make_user(email="here@example.com")
    wrong = send("/login", {"email": "here@example.com", "password": "not the password"})
    unknown = send("/login", {"email": "absent@example.com", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 422
    assert without_tokens(wrong).replace("here@", "X@") == without_tokens(unknown).replace("absent@", "X@")


def test_sign_in_renews_the_session(make_user, client, send):
    make_user(email="fix@example.com")
    client.get("/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    send("/login", {"email": "fix@example.com", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"]


class Clock:
    def __init__(self):
        self.now = 1_800_000_000.0

    def time(self):
        return self.now


@pytest.fixture
def min_fill_time(app, monkeypatch):
    """Three seconds at least between showing a form and sending it, on a clock the test moves."""
    from forum import antispam

    clock = Clock()
    monkeypatch.setattr(antispam, "time", clock)
    app.config["FORM_MIN_FILL_SECONDS"] = 3
    yield clock
    app.config["FORM_MIN_FILL_SECONDS"] = 0


def form_fields(html: str, *names: str) -> dict[str, str]:
    import lxml.html

    form = lxml.html.fromstring(html)
    return {name: form.xpath(f'//input[@name="{name}"]/@value')[0] for name in names}


def test_a_filled_honeypot_keeps_the_text_and_creates_nothing(client, send, make_user, login_as, category):
    login_as(make_user())
    data = {"kind": "idea", "title": "Bot title", "body": "Buy cheap things", "category": category.slug}
    response = send("/posts", {**data, "website": "http://spam.example"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This form looked automated" in page
    assert "Buy cheap things" in page
    assert db.session.scalars(select(Post)).all() == []


def test_forms_sent_faster_than_a_person_types_are_refused(min_fill_time, client, send):
    started = form_fields(client.get("/signup").get_data(as_text=True), "form_started")
    data = {"display_name": "Quick", "email": "quick@example.com", "password": PASSWORD, **started}
    fast = send("/signup", data)
    assert fast.status_code == 422
    page = fast.get_data(as_text=True)
    assert "quicker than anyone types" in page
    assert "quick@example.com" in page  # nothing typed is lost
    missing = send("/signup", {k: v for k, v in data.items() if k != "form_started"})
    assert missing.status_code == 422
    min_fill_time.now += 2.9
    assert send("/signup", data).status_code == 422
    min_fill_time.now += 0.2
    assert send("/signup", data).status_code == 303


def test_the_new_post_form_has_the_same_traps(min_fill_time, client, send, make_user, login_as, category):
    login_as(make_user())
    started = form_fields(client.get("/posts/new").get_data(as_text=True), "form_started")
    data = {"kind": "idea", "title": "A real idea", "body": "Typed by a person.", "category": category.slug}
    assert send("/posts", {**data, **started}).status_code == 422
    min_fill_time.now += 3
    assert send("/posts", {**data, **started}).status_code == 303
    assert db.session.scalars(select(Post.title)).all() == ["A real idea"]


@pytest.fixture
def hold_first_posts(app):
    app.config["HOLD_FIRST_POSTS"] = 1
    yield
    app.config["HOLD_FIRST_POSTS"] = 0


def test_a_new_members_first_post_waits_for_a_moderator(hold_first_posts, client, send, make_user, login_as, category):
    newcomer = login_as(make_user())
    data = {"kind": "complaint", "title": "First post here", "body": "Hello", "category": category.slug}
    response = send("/posts", data)
    assert response.status_code == 303
    post_page = client.get(response.headers["Location"])
    assert post_page.status_code == 200  # the author still sees it
    assert "reviews the first posts of new members" in post_page.get_data(as_text=True)
    post = db.session.scalars(select(Post)).one()
    assert post.is_hidden
    assert db.session.scalars(select(Flag.reason)).all() == [FlagReason.HELD]

    login_as(make_user())
    assert "First post here" not in client.get("/").get_data(as_text=True)
    assert client.get(response.headers["Location"]).status_code == 404

    moderator = login_as(make_user("moderator"))
    queue = client.get("/moderation/flags").get_data(as_text=True)
    assert "First post here" in queue
    assert "New member, held for review" in queue
    assert send(f"/moderation/flags/post/{post.id}", {"decision": "keep"}).status_code == 303
    assert not db.session.get(Post, post.id).is_hidden
    assert moderator.id

    # Once a post is approved, the next one goes out at once.
    login_as(db.session.get(User, newcomer.id))
    send("/posts", {**data, "title": "Second post"})
    assert not db.session.scalars(select(Post).where(Post.title == "Second post")).one().is_hidden


def test_staff_posts_are_never_held(hold_first_posts, send, make_user, login_as, category):
    login_as(make_user("staff"))
    send("/posts", {"kind": "idea", "title": "From staff", "body": "Hi", "category": category.slug})
    assert not db.session.scalars(select(Post)).one().is_hidden
