"""Property tests: no input, however strange, gives a 500 or loses what the user typed.

Hypothesis throws arbitrary text (NUL and other controls, bidi overrides, combining marks,
astral characters, up to 5,000 characters), raw bytes as form bodies (invalid UTF-8, escaped
surrogates, broken multipart) and arbitrary query strings (encoded and raw) at every form and
every listing. Every answer is below 500; a form that refuses its input answers 4xx with the
typed text back in the page whenever that text is printable (PRODUCT.md, "bad input").
"""

import random
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import lxml.html
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from forum import markup
from forum.extensions import db
from forum.models import (
    Category,
    Comment,
    EmailMode,
    Event,
    FlagReason,
    InternalNote,
    OfficialResponse,
    Post,
    Role,
    Status,
    User,
)
from forum.services import accounts, comments, moderation
from tests.conftest import PASSWORD, csrf_token_from

FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,  # no .hypothesis/ folder in the working tree; failures print their example
)
FEW = settings(FUZZ, max_examples=15)

# -- what people (and bots) type -------------------------------------------------------------
TRICKS = [
    "\x00", "\x07", "\x1b[31m", "\x7f", "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u200b", "\ufeff",
    "\r\n", "\r", "\n\n", "\t", "e\u0301", "\U0001f600", "\U0010fffd", "\ufffd", "𝕏", "ﷺ", "\u0000\u0000",
    "%", "%00", "%ff", "&", "=", "+", "#", "?", "'", '"', "<", ">", "\\", "/../", "{{ 7*7 }}", "%s", "${x}",
    "<script>alert(1)</script>", "[x](javascript:alert(1))", " ", "\u3000", "NULL", "-1", "0", "1e309",
    "99999999999999999999", "ａｄｍｉｎ",
]  # fmt: skip
_pieces = st.one_of(st.sampled_from(TRICKS), st.text(max_size=8))
nasty_text = st.one_of(
    st.text(max_size=200),
    st.lists(_pieces, max_size=40).map("".join),
    # Long texts, up to 5,000 characters: one piece repeated.
    st.tuples(st.text(min_size=1, max_size=5), st.integers(300, 1000)).map(lambda t: (t[0] * t[1])[:5000]),
)
# Escaped surrogates (UTF-8 encoded with surrogatepass), overlong forms, stray continuation bytes.
BAD_BYTES = [b"\xed\xa0\x80", b"\xed\xbf\xbf", b"\xc0\xaf", b"\xff\xfe", b"\x80", b"%ed%a0%80", b"%ff", b"%00", b"\x00"]
nasty_bytes = st.one_of(
    st.binary(max_size=300),
    st.lists(st.one_of(st.sampled_from(BAD_BYTES), st.binary(max_size=6)), max_size=30).map(b"".join),
)


def with_valid(*choices: str):
    """Mostly nonsense, sometimes a valid choice (so the accepting path is fuzzed too)."""
    return st.one_of(st.sampled_from(choices), nasty_text)


def printable(text: str) -> bool:
    return bool(text) and text.isprintable()


# -- the site, set up once per test ----------------------------------------------------------
@dataclass
class World:
    users: dict[str, User]
    post_id: int
    post_path: str
    comment_id: int
    target_id: int  # a member to suspend and promote
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(make_user, make_post, category):
    db.session.add(Category(slug="billing", name="Billing"))
    users = {role: make_user(role) for role in ("member", "moderator", "staff", "admin")}
    users["author"] = make_user()
    post = make_post(users["author"], body="Original body")
    comment = comments.add_comment(users["author"], post, "Original comment")
    target = make_user()
    moderation.flag(users["member"], post, FlagReason.SPAM, threshold=99)
    db.session.commit()
    found = World(users, post.id, f"{post.id}-{post.slug}", comment.id, target.id)
    db.session.rollback()
    return found


def _one(query) -> bool:
    return db.session.scalars(query.limit(1)).first() is not None


# What a form that answered with a redirect must have kept: the typed text, stored.
STORED = {
    "new post": lambda w, text: _one(select(Post.id).where(Post.title == text["title"], Post.body == text["body"])),
    "edit post": lambda w, text: db.session.get(Post, w.post_id).title == text["title"],
    "comment": lambda w, text: _one(select(Comment.id).where(Comment.body == text["body"])),
    "reply": lambda w, text: _one(select(Comment.id).where(Comment.body == text["body"])),
    "profile": lambda w, text: (
        db.session.get(User, w.users["member"].id).display_name == accounts.clean_display_name(text["display_name"])
    ),
    "official response": lambda w, text: _one(select(OfficialResponse.id).where(OfficialResponse.body == text["body"])),
    "note": lambda w, text: _one(select(InternalNote.id).where(InternalNote.body == text["body"])),
    "suspend": lambda w, text: db.session.get(User, w.target_id).suspension_reason == text["reason"],
}


@dataclass(frozen=True)
class Form:
    url: str  # formatted with post, comment, target
    role: str  # who sends it: visitor or a key of World.users
    fields: dict  # name -> strategy
    typed: tuple = ()  # fields whose text must come back when the form is refused


STATUSES = [s.value for s in Status]
FORMS = {
    "signup": Form(
        "/signup",
        "visitor",
        {"display_name": nasty_text, "email": with_valid("new@example.com"), "password": with_valid(PASSWORD)},
        ("display_name", "email"),
    ),
    "login": Form("/login", "visitor", {"email": nasty_text, "password": nasty_text}, ("email",)),
    "reset": Form("/reset", "visitor", {"email": with_valid("someone@example.com")}, ("email",)),
    "new post": Form(
        "/posts",
        "member",
        {
            "title": nasty_text,
            "body": nasty_text,
            "kind": with_valid("idea", "complaint"),
            "category": with_valid("mobile-app", "billing"),
        },
        ("title", "body"),
    ),
    "edit post": Form(
        "/posts/{post}/edit",
        "author",
        {
            "title": nasty_text,
            "body": nasty_text,
            "kind": with_valid("idea", "complaint"),
            "category": with_valid("mobile-app"),
        },
        ("title", "body"),
    ),
    "comment": Form("/posts/{post}/comments", "member", {"body": nasty_text, "parent_id": nasty_text}, ("body",)),
    "reply": Form(
        "/posts/{post}/comments", "member", {"body": nasty_text, "parent_id": st.just("{comment}")}, ("body",)
    ),
    "profile": Form(
        "/account/profile",
        "member",
        {"display_name": nasty_text, "email": nasty_text, "current_password": nasty_text},
        ("display_name", "email"),
    ),
    "password": Form("/account/password", "member", {"current_password": nasty_text, "new_password": nasty_text}),
    "official response": Form(
        "/posts/{post}/response", "staff", {"body": nasty_text, "status": with_valid("", *STATUSES)}, ("body",)
    ),
    "status": Form("/posts/{post}/status", "staff", {"status": with_valid(*STATUSES)}),
    "note": Form("/posts/{post}/notes", "staff", {"body": nasty_text}, ("body",)),
    "vote on behalf": Form(
        "/posts/{post}/votes/on-behalf",
        "staff",
        {
            "email": with_valid("caller@customer.example"),
            "name": nasty_text,
            "priority": with_valid("nice", "important", "blocker"),
            "note": nasty_text,
        },
        ("email", "name", "note"),
    ),
    "flag post": Form("/posts/{post}/flag", "member", {"reason": with_valid("spam", "abuse", "off_topic")}),
    "flag comment": Form("/comments/{comment}/flag", "member", {"reason": with_valid("spam", "abuse")}),
    "move": Form("/posts/{post}/move", "moderator", {"category": with_valid("billing", "mobile-app")}),
    "suspend": Form(
        "/users/{target}/suspend", "moderator", {"days": with_valid("7", "3650"), "reason": nasty_text}, ("reason",)
    ),
    "role": Form("/users/{target}/role", "admin", {"role": with_valid(*[r.value for r in Role])}),
    "email settings": Form(
        "/account/notifications", "member", {e.value: with_valid(*[m.value for m in EmailMode]) for e in Event}
    ),
    "flag decision": Form("/moderation/flags/post/{post}", "moderator", {"decision": with_valid("keep", "hide")}),
}


class Browser:
    """The test client as one person: signs in afresh for each example, posts with the CSRF token."""

    def __init__(self, client, world: World, role: str):
        self.client, self.world, self.role = client, world, role

    def start(self) -> None:
        # Whoosh names its index segments with the global `random`, which Hypothesis resets to the
        # same state for every example: two examples would write same-named segments and the
        # index commit would fail. Reseed, as every real process is.
        random.seed()
        db.session.rollback()
        with self.client.session_transaction() as session:
            session.clear()
            if self.role != "visitor":
                user = db.session.get(User, self.world.users[self.role].id)  # the session version may have moved
                session["_user_id"] = user.get_id()
                session["_fresh"] = True

    def token(self) -> str:
        # A member's every page carries it (a 404 is the cheapest); a visitor's, the sign-in form.
        page = self.client.get("/__csrf__" if self.role != "visitor" else "/login")
        return csrf_token_from(page.get_data(as_text=True))

    def url(self, form: Form) -> str:
        return form.url.format(post=self.world.post_id, comment=self.world.comment_id, target=self.world.target_id)


def kept_values(html: str) -> list[str]:
    """What the page's fields hold: the values of its inputs and the text of its textareas."""
    document = lxml.html.document_fromstring(html)
    values = [element.get("value") or "" for element in document.iter("input")]
    values += [element.text_content() for element in document.iter("textarea")]
    return [value.strip() for value in values]


def _as_text(typed: str) -> str:
    return markup.clean_text(typed).strip()


# One-line fields are stored and shown folded to one line (markup.one_line); the rest as typed.
NORMALISED = {"title": markup.one_line}


def assert_kept(response, name: str, world: World, data: dict) -> None:
    """Nothing typed is lost: a refusal (400, 409, 422) shows every typed field's text again, and a
    redirect means it was stored. Texts are compared as the app normalises them (NFC, no controls)."""
    form = FORMS[name]
    typed = {field: NORMALISED.get(field, _as_text)(data.get(field, "")) for field in form.typed}
    if response.status_code in (400, 409, 422):
        values = kept_values(response.get_data(as_text=True))
        for field, expected in typed.items():
            if printable(expected):
                assert expected in values, f"{field}={expected[:80]!r} was lost on a {response.status_code}"
    elif response.status_code in (302, 303) and name in STORED and all(printable(t) for t in typed.values()):
        db.session.rollback()
        assert STORED[name](world, typed), f"redirected to {response.location} without storing {typed}"


@pytest.mark.parametrize("name", list(FORMS))
def test_any_text_in_any_form(name, client, world):
    form = FORMS[name]
    browser = Browser(client, world, form.role)

    @FUZZ
    @given(data=st.fixed_dictionaries(form.fields))
    def run(data):
        data = {k: v.format(comment=world.comment_id) if v == "{comment}" else v for k, v in data.items()}
        browser.start()
        token = browser.token()
        response = client.post(browser.url(form), data={**data, "csrf_token": token})
        assert response.status_code < 500, (name, data)
        assert_kept(response, name, world, data)

    run()


@pytest.mark.parametrize("name", list(FORMS))
def test_any_bytes_as_a_form_body(name, client, world):
    form = FORMS[name]
    browser = Browser(client, world, form.role)
    keys = st.one_of(st.sampled_from([k.encode() for k in form.fields]), nasty_bytes)
    urlencoded = st.lists(st.tuples(keys, nasty_bytes), max_size=6).map(lambda pairs: urlencode(pairs).encode())
    body = st.one_of(nasty_bytes, urlencoded)
    content_type = st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "application/x-www-form-urlencoded; charset=latin-1",
            "multipart/form-data; boundary=xyz",
            "multipart/form-data",
            "text/plain",
            "application/json",
            "\x00",
        ]
    )

    @FEW
    @given(body=body, content_type=content_type)
    def run(body, content_type):
        browser.start()
        token = browser.token()
        response = client.post(
            browser.url(form), data=body, headers={"Content-Type": content_type, "X-CSRFToken": token}
        )
        assert response.status_code < 500, (name, body, content_type)

    run()


# -- listings ----------------------------------------------------------------------------------
LISTINGS = {
    "/": ("visitor", ["sort", "kind", "status", "category", "page"]),
    "/roadmap": ("visitor", ["category", "kind"]),
    "/changelog": ("visitor", ["page"]),
    "/changelog.atom": ("visitor", ["page"]),
    "/responsiveness": ("visitor", ["category", "days"]),
    "/login": ("visitor", ["next"]),
    "/signup": ("visitor", ["next"]),
    "/users/{target}": ("visitor", ["page"]),
    "/posts/{post_path}": ("staff", ["page", "sort", "comments"]),
    "/posts/{post}": ("visitor", ["comments"]),  # the redirect to the slugged address
    "/staff/queue": ("staff", ["view", "page"]),
    "/staff/insights": ("staff", ["days"]),
    "/staff/audit": ("staff", ["action", "target", "actor", "page"]),
    "/staff/themes": ("staff", ["days"]),
    "/staff/export/posts.csv": ("staff", ["status"]),
    "/staff/prioritize": ("staff", ["plan", "attr", "category", "status", "sort", "dir", "page"]),
    "/staff/prioritize.csv": ("staff", ["plan", "attr", "category", "status", "sort", "dir"]),
    "/staff/people": ("staff", ["q"]),
    "/moderation/flags": ("moderator", ["page"]),
    "/search": ("visitor", ["q", "kind", "status", "category", "page"]),
    "/posts/similar": ("visitor", ["title"]),
    "/posts/{post}/feed.atom": ("visitor", ["page"]),
    "/categories/mobile-app.atom": ("visitor", ["page"]),
    "/notifications": ("author", ["page"]),
    "/following": ("author", ["page"]),
}


# Keys that mean something to url_for and to the routes themselves: a view that passed request.args
# on to url_for answered 500 for them (`?post_id=9`) or built an external link (`?_external=1`).
URL_BUILDING_KEYS = ["_external", "_scheme", "_anchor", "_method", "post_id", "slug", "endpoint", "values", "token"]


@pytest.mark.parametrize("path", list(LISTINGS))
def test_any_query_string_on_any_listing(path, client, world):
    role, names = LISTINGS[path]
    browser = Browser(client, world, role)
    url = path.format(post_path=world.post_path, post=world.post_id, target=world.target_id)
    keys = st.one_of(st.sampled_from(names), st.sampled_from(URL_BUILDING_KEYS), nasty_text)
    encoded = st.lists(st.tuples(keys, nasty_text), max_size=5).map(urlencode)
    raw = nasty_bytes.map(lambda b: b.decode("latin-1"))  # what a server hands over for a raw query

    @FUZZ
    @given(query=encoded, raw_query=raw, use_raw=st.booleans())
    def run(query, raw_query, use_raw):
        browser.start()
        if use_raw:
            response = client.get(url, environ_overrides={"QUERY_STRING": raw_query})
        else:
            response = client.get(url, query_string=query)
        assert response.status_code < 500, (path, raw_query if use_raw else query)

    browser.start()
    assert client.get(url).status_code == (301 if path == "/posts/{post}" else 200), "the listing must work"
    run()


@pytest.mark.parametrize("path", list(LISTINGS))
def test_digits_other_than_0_to_9_in_any_listing_argument(path, client, world):
    """ "²" and "①" pass str.isdigit() but int() refuses them: once a 500 on /staff/insights?days=²."""
    role, names = LISTINGS[path]
    browser = Browser(client, world, role)
    url = path.format(post_path=world.post_path, post=world.post_id, target=world.target_id)
    for name in names:
        for digits in ("²", "①", "٣٠", "３"):
            browser.start()
            response = client.get(url, query_string={name: digits})
            assert response.status_code < 500, (path, name, digits)


@pytest.mark.parametrize("prefix", ["/unsubscribe/", "/reset/", "/signup/confirm/", "/posts/", "/users/"])
def test_any_token_or_id_in_a_link(prefix, client):
    @FUZZ
    @given(segment=nasty_text, method=st.sampled_from(["GET", "POST"]))
    def run(segment, method):
        random.seed()
        response = client.open(prefix + quote(segment, safe=""), method=method)
        assert response.status_code < 500, (prefix, segment, method)

    run()


# -- bugs this file found, kept as plain regression tests ---------------------------------------
def test_audit_filters_with_nul_bytes_are_refused_not_a_500(client, make_user, login_as):
    login_as(make_user(Role.STAFF))
    for query in ("action=%00", "target=a%00b", "action=respond%00&target=post"):
        assert client.get(f"/staff/audit?{query}").status_code == 400


def test_a_too_long_suspension_reason_comes_back_in_the_form(client, make_user, login_as, send):
    target = make_user()
    login_as(make_user(Role.MODERATOR))
    reason = "Repeated spam in the billing board. " * 20  # over the 500 characters allowed
    response = send(f"/users/{target.id}/suspend", {"days": "7", "reason": reason})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "At most 500 characters." in page
    assert reason.strip() in kept_values(page)
    db.session.rollback()
    assert db.session.get(User, target.id).suspended_until is None


def test_a_too_long_internal_note_is_kept_on_the_error_page(client, make_user, make_post, login_as, send):
    post = make_post()
    login_as(make_user(Role.STAFF))
    note = "x" * 5001
    response = send(f"/posts/{post.id}/notes", {"body": note})
    assert response.status_code == 422
    assert note in kept_values(response.get_data(as_text=True))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(InternalNote)) == 0


def test_raw_non_ascii_bytes_in_a_query_string_are_not_a_500(client):
    for raw in ("\x80", "sort=\xff", "category=\xed\xa0\x80", "next=/\xc3"):
        assert client.get("/", environ_overrides={"QUERY_STRING": raw}).status_code < 500
        assert client.get("/login", environ_overrides={"QUERY_STRING": raw}).status_code < 500


def test_the_kept_check_notices_lost_text(world):
    class Refused:
        status_code = 422

        def get_data(self, as_text):
            return '<html><body><input name="title" value="other"><textarea name="body">b</textarea></body></html>'

    with pytest.raises(AssertionError, match="was lost"):
        assert_kept(Refused(), "new post", world, {"title": "My title", "body": "b"})
    assert_kept(Refused(), "new post", world, {"title": "other", "body": "b"})
