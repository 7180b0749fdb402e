"""Regression tests for the findings of the outside security review (issue 25), one group per finding."""

import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import User
from tests.conftest import PASSWORD, csrf_token_from, link_in

SITE = "http://127.0.0.1:5000"


# -- 1. links in emails follow SITE_URL, never the request's Host -------------------------------------
@pytest.fixture
def site_url(app):
    before = app.config["SITE_URL"], app.config["TRUSTED_HOSTS"]
    app.config["SITE_URL"] = "https://feedback.example.com"
    app.config["TRUSTED_HOSTS"] = ["feedback.example.com", "localhost", "attacker.example"]
    yield app.config["SITE_URL"]
    app.config["SITE_URL"], app.config["TRUSTED_HOSTS"] = before


def _links(message) -> list[str]:
    import re

    return re.findall(r"https?://[^\s\"'<>]+", message.get_body(preferencelist=("plain",)).get_content())


@pytest.mark.parametrize(
    "headers", [{"Host": "attacker.example"}, {"X-Forwarded-Host": "attacker.example"}], ids=["host", "forwarded"]
)
def test_every_emailed_link_uses_site_url_whatever_host_the_request_names(make_user, site_url, client, outbox, headers):
    def send(url, data):
        token = csrf_token_from(client.get("/login", headers=headers).get_data(as_text=True))
        return client.post(url, data={**data, "csrf_token": token}, headers=headers)

    make_user(email="owner@example.com", name="Owner")
    assert send("/reset", {"email": "owner@example.com"}).status_code == 303
    send("/signup", {"display_name": "New", "email": "new@example.com", "password": PASSWORD})
    send("/signup", {"display_name": "Again", "email": "owner@example.com", "password": PASSWORD})
    messages = outbox()
    assert len(messages) == 3
    links = [link for message in messages for link in _links(message)]
    assert len(links) >= 4
    assert all(link.startswith("https://feedback.example.com/") for link in links), links


def test_proxy_headers_never_move_the_host(site_url):
    """Behind a proxy (TRUST_PROXY_HEADERS=1) a client-sent X-Forwarded-Host is not believed."""
    from flask import request

    app = create_app({**_settings_of(site_url), "TRUST_PROXY_HEADERS": True})
    seen = []
    app.before_request(lambda: seen.append((request.host, request.scheme)))
    app.test_client().get("/healthz", headers={"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"})
    with app.app_context():
        db.engine.dispose()
    assert seen == [("localhost", "https")]


def _settings_of(site_url):
    from flask import current_app

    keys = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "MAIL_OUTBOX", "SEARCH_INDEX_DIR", "DELIVERY")
    kept = {key: current_app.config[key] for key in keys}
    return {"TESTING": True, "RATELIMIT_ENABLED": False, "SITE_URL": site_url, **kept}


def test_a_host_that_is_not_the_sites_is_refused(client, app):
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def test_trusted_hosts_default_to_site_urls_host(monkeypatch, tmp_path):
    monkeypatch.setenv("SITE_URL", "https://feedback.example.com")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    from forum.config import Config

    assert Config(str(tmp_path)).TRUSTED_HOSTS == ["feedback.example.com", "localhost", "127.0.0.1"]
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example, .b.example")
    assert Config(str(tmp_path)).TRUSTED_HOSTS == ["a.example", ".b.example"]


@pytest.mark.parametrize("query", ["_external=1", "_scheme=https&_external=1", "post_id=9", "slug=", "endpoint=x",
                                   "_method=POST", "_anchor=x", "comments=2&_external=1"])  # fmt: skip
def test_query_keys_never_reach_url_building_on_the_slug_redirect(make_post, client, query):
    """Finding 9 too: only known query parameters are carried over to the canonical address."""
    post = make_post(title="Dark mode please")
    response = client.get(f"/posts/{post.id}?{query}", headers={"Host": "localhost"})
    assert response.status_code == 301
    location = response.headers["Location"]
    assert location.startswith(f"/posts/{post.id}-dark-mode-please"), location
    assert "evil" not in location and "_external" not in location and "endpoint" not in location
    if "comments=2" in query:
        assert location.endswith("?comments=2")


# -- 2. the mailed sign-up link creates the account only on its button's POST --------------------------
def test_opening_the_sign_up_link_creates_nothing_and_signs_no_one_in(app, client, send, outbox):
    send("/signup", {"display_name": "Victim", "email": "victim@example.com", "password": PASSWORD})
    link = link_in(outbox()[0], "/signup/confirm/")
    scanner = app.test_client()  # a mail scanner's prefetch: no cookie
    assert scanner.head(link).status_code == 200
    got = scanner.get(link)
    assert got.status_code == 200
    assert "Create my account" in got.get_data(as_text=True)
    assert scanner.post(link).status_code == 400  # no CSRF token: not a person who pressed the button
    assert db.session.scalars(select(User)).first() is None
    assert "Sign out" not in scanner.get("/").get_data(as_text=True)

    assert send(link).status_code == 303  # the person who pressed the button
    assert db.session.scalars(select(User.email)).all() == ["victim@example.com"]


# -- 3. members cannot pass for the team ------------------------------------------------------------
REFUSED_NAMES = [
    "Sam from Support",  # the demo's staff name, a member's copy
    "Tallybook Support",
    "Sаm from Ѕupport",  # Cyrillic а and Ѕ
    "Tallуbook",  # Cyrillic у
    "TaIIybook",  # capital I for l
    "S u p p o r t",
    "ѕtаff member",
    "The Admin",
    "adm1n",
    "0fficial answers",
    "Sup\u200bport bot",  # zero-width space
    "Mod\u061cerator",  # Arabic letter mark: format character, not in any hand list
    "\u200b\u200c\u200d",  # entirely invisible
    "\u061c\u2060",
    "Sam\nfrom Support",
    "MIA CHEN",  # a team member's name, in capitals
    "Міа Сhеn",  # a team member's name, in Cyrillic
    "Mia Chen",
    "12345",
    "...",
]
ACCEPTED_NAMES = ["Zoë Dubois", "Kenji", "José Álvarez", "李小龍", "Анна Петрова", "Mia", "O'Brien", "Stefan"]


@pytest.mark.parametrize("name", REFUSED_NAMES + ACCEPTED_NAMES)
def test_names_that_could_pass_for_the_team_are_refused(make_user, send, name):
    make_user(role="staff", name="Mia Chen")
    response = send("/signup", {"display_name": name, "email": "new@example.com", "password": PASSWORD})
    assert response.status_code == (422 if name in REFUSED_NAMES else 303), name
    if name in REFUSED_NAMES:
        page = response.get_data(as_text=True)
        assert "display name needs at least one letter" in page or "Choose a" in page or "look" in page


def test_a_member_cannot_rename_themselves_as_staff(make_user, login_as, send):
    member = login_as(make_user(email="m@example.com", name="Member"))
    response = send("/account/profile", {"display_name": "Ѕupport", "email": "m@example.com"})
    assert response.status_code == 422
    db.session.refresh(member)
    assert member.display_name == "Member"


def test_names_lose_invisible_characters_and_are_nfkc(make_user, send, outbox):
    send("/signup", {"display_name": "Ｚｏë\u200b  Dubois\u2060", "email": "z@example.com", "password": PASSWORD})
    send(link_in(outbox()[0], "/signup/confirm/"))
    assert db.session.scalars(select(User.display_name)).one() == "Zoë Dubois"


def test_the_team_may_use_the_company_name(make_user, login_as, send):
    staff = login_as(make_user(role="staff", email="s@example.com", name="Sam"))
    assert (
        send("/account/profile", {"display_name": "Sam from Tallybook Support", "email": "s@example.com"}).status_code
        == 303
    )
    db.session.refresh(staff)
    assert staff.display_name == "Sam from Tallybook Support"


def test_team_comments_carry_a_badge_in_words(make_user, make_post, client, app):
    from forum.services import comments

    post = make_post()
    staff = make_user(role="staff", name="Sam from Support")
    member = make_user(name="Sam from Suppor")  # as close as a member could get before this rule
    comments.add_comment(staff, post, "We are on it.")
    comments.add_comment(member, post, "Me too.")
    db.session.commit()
    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    staff_header = page[page.index("Sam from Support</bdi>") :][:200]
    member_header = page[page.index("Sam from Suppor</bdi>") :][:200]
    assert '<span class="badge badge-team">Staff</span>' in staff_header
    assert "badge-team" not in member_header.split("</div>")[0]


# -- 6. a new email address is confirmed before it takes effect, and the old one is told ---------------
def test_an_email_change_waits_for_the_new_address_and_tells_the_old(make_user, login_as, send, client, outbox, app):
    user = login_as(make_user(email="old@example.com", name="Owner"))
    response = send(
        "/account/profile", {"display_name": "Owner", "email": "New@Example.com", "current_password": PASSWORD}
    )
    assert response.status_code == 303
    db.session.refresh(user)
    assert user.email == "old@example.com"
    to_new, to_old = outbox()
    assert (to_new["To"], to_old["To"]) == ("new@example.com", "old@example.com")
    assert "new@example.com" in to_old.get_body().get_content()
    link = link_in(to_new, "/account/email/")

    scanner = app.test_client()
    assert scanner.get(link).status_code == 200  # a prefetch changes nothing
    db.session.refresh(user)
    assert user.email == "old@example.com"
    assert send(link).status_code == 303
    db.session.refresh(user)
    assert user.email == "new@example.com"
    assert "Your email address is now new@example.com." in client.get("/account").get_data(as_text=True)
    assert send(link).status_code == 400  # spent: the address it was made for has changed


def test_an_email_change_to_a_taken_address_is_refused(make_user, login_as, send, outbox):
    make_user(email="taken@example.com")
    login_as(make_user(email="me@example.com", name="Me"))
    response = send(
        "/account/profile", {"display_name": "Me", "email": "taken@example.com", "current_password": PASSWORD}
    )
    assert response.status_code == 422
    assert "Another account already uses this email address." in response.get_data(as_text=True)
    assert outbox() == []


# -- 4. sign-up costs the same whether or not the address has an account --------------------------------
def test_both_sign_up_paths_hash_the_password_once(make_user, send, monkeypatch):
    from forum.services import accounts

    hashed = []
    real = accounts._hash
    monkeypatch.setattr(accounts, "_hash", lambda password: hashed.append(password) or real(password))
    make_user(email="taken@example.com")
    hashed.clear()
    send("/signup", {"display_name": "Again", "email": "taken@example.com", "password": "first password"})
    send("/signup", {"display_name": "New", "email": "fresh@example.com", "password": "second password"})
    assert hashed == ["first password", "second password"]


# -- 7. a title with a newline cannot break the emails about its post -----------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [("Dark mode\nplease", "Dark mode please"), ("Tabs\tand\r\nreturns\x0b", "Tabs and returns"),
     ("Zero\u200bwidth\u2028split", "Zerowidth split")],
)  # fmt: skip
def test_titles_are_one_line(make_user, login_as, send, category, typed, stored):
    from forum.models import Post

    login_as(make_user())
    fields = {"kind": "idea", "title": typed, "body": "Details.", "category": category.slug}
    assert send("/posts", fields).status_code == 303
    assert db.session.scalars(select(Post.title)).one() == stored


def test_a_title_of_invisible_characters_is_refused_with_the_text_kept(make_user, login_as, send, category):
    login_as(make_user())
    fields = {"kind": "idea", "title": "\u200b\u2060\n\u061c", "body": "My details.", "category": category.slug}
    response = send("/posts", fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give your post a title." in page and "My details." in page


def test_a_stored_title_with_a_newline_still_gets_its_email(make_user, make_post, outbox, app):
    from forum.models import Post
    from forum.services import delivery, notify, responses

    post = make_post(title="Old title")
    db.session.execute(db.update(Post).where(Post.id == post.id).values(title="Imported\nwith a newline"))
    db.session.commit()
    staff = make_user(role="staff")
    db.session.refresh(post)
    notify.follow(make_user(email="follower@example.com"), post)
    responses.respond(staff, post, "We hear you.")
    db.session.commit()
    delivery.deliver_pending()
    [message] = [m for m in outbox() if m["To"] == "follower@example.com"]
    assert message["Subject"] == "Official response: Imported with a newline"


# -- 8. the remember-me cookie is Secure over HTTPS ----------------------------------------------------
def test_the_remember_me_cookie_is_secure_over_https(make_user, client):
    make_user(email="r@example.com")
    base = {"base_url": "https://localhost"}
    token = csrf_token_from(client.get("/login", **base).get_data(as_text=True))
    fields = {"email": "r@example.com", "password": PASSWORD, "remember": "y", "csrf_token": token}
    response = client.post("/login", data=fields, headers={"Referer": "https://localhost/login"}, **base)
    assert response.status_code == 303
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    assert "Secure" in cookies["remember_token"] and "Secure" in cookies["session"]


# -- 10. staff downloads are never kept by a cache -----------------------------------------------------
def test_staff_csv_exports_are_not_stored(make_user, make_post, login_as, client):
    post = make_post()
    login_as(make_user(role="staff"))
    for url in ("/staff/export/posts.csv", f"/staff/export/posts/{post.id}/voters.csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "private, no-store", url


# -- 11. hidden content cannot be reached through a reply or a merge -----------------------------------
def test_a_reply_to_a_hidden_comment_is_refused_with_the_text_kept(make_user, make_post, login_as, send):
    from forum.models import Comment
    from forum.services import comments, moderation

    post = make_post()
    staff = make_user(role="staff")
    hidden = comments.add_comment(make_user(), post, "Spam spam.")
    db.session.commit()
    moderation.hide_comment(staff, hidden)
    db.session.commit()
    login_as(make_user())
    response = send(f"/posts/{post.id}/comments", {"body": "My reply text.", "parent_id": str(hidden.id)})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "no longer available" in page and "My reply text." in page
    assert db.session.scalars(select(Comment.body)).all() == ["Spam spam."]


def test_merging_into_a_hidden_post_is_refused(make_user, make_post):
    from forum.services import Refused, merges, moderation

    staff = make_user(role="staff")
    original, duplicate = make_post(title="Original"), make_post(title="Duplicate")
    moderation.toggle_post(staff, original, "hide", reason="spam")
    db.session.commit()
    with pytest.raises(Refused, match="hidden or deleted"):
        merges.merge_posts(staff, duplicate, original)


def test_a_merge_target_hidden_later_is_shown_as_unavailable(make_user, make_post, client):
    from forum.services import merges, moderation

    staff = make_user(role="staff")
    original, duplicate = make_post(title="Secret original"), make_post(title="Duplicate")
    merges.merge_posts(staff, duplicate, original)
    db.session.commit()
    moderation.toggle_post(staff, original, "hide", reason="spam")
    db.session.commit()
    page = client.get(f"/posts/{duplicate.id}-{duplicate.slug}").get_data(as_text=True)
    assert "a post that is no longer available" in page
    assert f"post #{original.id}" not in page and "Secret original" not in page
