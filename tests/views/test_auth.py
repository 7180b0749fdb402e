import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from tests.conftest import PASSWORD, link_in


def test_sign_up_mails_a_link_that_creates_the_account_and_signs_in(client, send, outbox):
    response = send("/signup", {"display_name": "Zoë Dubois", "email": "Zoe@Example.com", "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/signup/sent"
    assert "We sent a message to <strong>zoe@example.com</strong>" in client.get("/signup/sent").get_data(as_text=True)
    assert db.session.scalars(select(User)).first() is None  # nothing stored before the link is opened
    [message] = outbox()
    assert message["To"] == "zoe@example.com"

    link = link_in(message, "/signup/confirm/")
    page = client.get(link)
    assert page.status_code == 200
    assert "Create my account" in page.get_data(as_text=True)
    assert db.session.scalars(select(User)).first() is None  # opening the link creates nothing
    confirmed = send(link)
    assert confirmed.status_code == 303
    user = db.session.scalars(select(User)).one()
    assert (user.email, user.display_name, user.role) == ("zoe@example.com", "Zoë Dubois", "member")
    assert user.password_hash.startswith("scrypt:")
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, Zoë Dubois!" in page
    assert "Sign out" in page
    # The link is spent: a second click creates nothing and points to sign-in.
    again = send(link)
    assert again.status_code == 303
    assert db.session.scalars(select(User)).one().id == user.id


def test_sign_up_at_once_when_email_links_are_off(app, client, send):
    app.config["SIGNUP_EMAIL_LINK"] = False
    try:
        response = send("/signup", {"display_name": "Kim", "email": "kim@example.com", "password": PASSWORD})
        send("/logout")
        taken = send("/signup", {"display_name": "Kim", "email": "KIM@example.com", "password": PASSWORD})
    finally:
        app.config["SIGNUP_EMAIL_LINK"] = True
    assert response.status_code == 303
    assert db.session.scalars(select(User.display_name)).one() == "Kim"
    assert "already exists" in taken.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"password": "short"}, "A password needs 8 to 200 characters."),
        ({"display_name": ""}, "Choose a display name."),
        ({"display_name": "x" * 51}, "A display name has at most 50 characters."),
        ({"display_name": "evil\u202etxt.exe"}, "invisible direction-changing characters"),
    ],
)
def test_bad_sign_up_input_is_explained(send, data, message):
    fields = {"display_name": "Kenji", "email": "kenji@example.com", "password": PASSWORD, **data}
    response = send("/signup", fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    assert db.session.scalars(select(User)).first() is None


def test_sign_up_with_a_taken_email_answers_as_for_a_new_one(make_user, app, send, outbox):
    """No enumeration: the page is the same; only the mailbox's owner learns the account exists."""
    make_user(email="taken@example.com", name="Owner")
    taken = send("/signup", {"display_name": "Again", "email": "TAKEN@example.com", "password": PASSWORD})
    fresh = send("/signup", {"display_name": "New", "email": "fresh@example.com", "password": PASSWORD})
    assert (taken.status_code, taken.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert taken.get_data() == fresh.get_data()  # a redirect: no token in it
    to_owner, to_new = outbox()
    assert "you already have one" in to_owner.get_body().get_content()
    assert "/signup/confirm/" in to_new.get_body().get_content()
    assert db.session.scalars(select(User.display_name)).all() == ["Owner"]


def test_sign_in_and_out(make_user, client, send):
    make_user(email="ana@example.com", name="Ana")
    wrong = send("/login", {"email": "ana@example.com", "password": "wrong password"})
    assert wrong.status_code == 422
    assert "That email and password do not match an account." in wrong.get_data(as_text=True)
    unknown = send("/login", {"email": "nobody@example.com", "password": "wrong password"})
    assert "That email and password do not match an account." in unknown.get_data(as_text=True)

    response = send("/login", {"email": "ANA@example.com", "password": PASSWORD})
    assert response.status_code == 303
    assert "Signed in as Ana." in client.get("/").get_data(as_text=True)
    assert client.get("/account").status_code == 200

    assert send("/logout").status_code == 303
    assert client.get("/account").status_code == 302


def test_logout_over_get_is_not_allowed(make_user, login_as, client):
    login_as(make_user())
    assert client.get("/logout").status_code == 405
    assert client.get("/account").status_code == 200


def test_remember_me_sets_a_cookie_that_sign_out_revokes(make_user, client, send, app):
    user = make_user(email="rem@example.com")
    send("/login", {"email": "rem@example.com", "password": PASSWORD, "remember": "y"})
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    assert cookie.http_only

    # The remember cookie alone signs in again (a new browser session)...
    other = app.test_client()
    other.set_cookie("remember_token", cookie.value)
    assert other.get("/account").status_code == 200
    # ...until the user signs out, which ends every session.
    send("/logout")
    stale = app.test_client()
    stale.set_cookie("remember_token", cookie.value)
    assert stale.get("/account").status_code == 302
    db.session.rollback()
    assert db.session.get(User, user.id).session_version == 2


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/posts/new", "/posts/new"),
        ("//evil.example/path", "/"),
        ("/\\evil.example", "/"),
        ("/%09/evil.example", "/%09/evil.example"),
        ("https://evil.example/", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_next_only_redirects_inside_the_site(make_user, send, target, expected):
    make_user(email="n@example.com")
    response = send("/login", {"email": "n@example.com", "password": PASSWORD, "next": target})
    assert response.status_code == 303
    assert response.location == expected
    assert not response.location.startswith("//")


def test_sign_in_starts_a_new_session(make_user, client, send):
    make_user(email="fix@example.com")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    send("/login", {"email": "fix@example.com", "password": PASSWORD})
    with client.session_transaction() as session:
        assert "planted" not in session


def test_account_settings_change_name_email_and_password(make_user, login_as, send, client):
    user = make_user(email="old@example.com", name="Old name")
    login_as(user)
    page = client.get("/account").get_data(as_text=True)
    assert 'value="Old name"' in page

    no_password = send("/account/profile", {"display_name": "New name", "email": "new@example.com"})
    assert no_password.status_code == 422
    assert "Enter your current password to change your email address." in no_password.get_data(as_text=True)

    ok = send(
        "/account/profile", {"display_name": "New name", "email": "new@example.com", "current_password": PASSWORD}
    )
    assert ok.status_code == 303
    stored = db.session.get(User, user.id)
    assert (stored.display_name, stored.email) == ("New name", "old@example.com")  # until the new one confirms
    assert "Your email address changes when you open it" in client.get("/account").get_data(as_text=True)

    wrong = send("/account/password", {"current_password": "nope nope", "new_password": "a brand new one"})
    assert "That is not your current password." in wrong.get_data(as_text=True)
    changed = send("/account/password", {"current_password": PASSWORD, "new_password": "a brand new one"})
    assert changed.status_code == 303
    # Still signed in on this device after the change, and told what happened.
    after = client.get("/account")
    assert after.status_code == 200
    assert "Other devices have been signed out." in after.get_data(as_text=True)
