"""Stored and reflected XSS: every payload of tests/data/xss_payloads.txt goes through every field
a person can type into (post title and body, comment, display name at sign-up and in the settings,
official response, internal note, suspension reason) and every query string the site echoes, and
every page that shows it back must stay inert (see tests/xss_corpus.py for what that means).

One test per payload, so a failure names the payload; all fields of a payload share that test.
"""

import re
from urllib.parse import quote, urlsplit

import lxml.html
import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Post, Role, User
from forum.services import delivery
from forum.services.posts import TITLE_MAX
from tests.conftest import PASSWORD, csrf_token_from, has_csrf_token, link_in
from tests.xss_corpus import find_feed_problems, find_problems, load_payloads

PAYLOADS = load_payloads()


def test_the_corpus_is_big_enough_and_parsed():
    assert len(PAYLOADS) >= 45
    payloads = dict(PAYLOADS)
    assert payloads["md-reference"] == "[x][1]\n\n[1]: javascript:alert(1)"
    assert payloads["a-js-tab-raw"] == '<a href="jav\tascript:alert(1)">click</a>'
    assert payloads["bidi-rlo"].startswith("\u202e")
    assert payloads["md-title-breakout"] == '[x](https://example.com "a\\" onmouseover=\\"alert(1)")'


# The checker must catch what it is meant to catch, or every test below proves nothing.
PAGE = '<!doctype html><html><head><script src="/static/js/forum.js" defer></script></head><body>{}</body></html>'
CAUGHT = {
    "inline script": "<script>alert(1)</script>",
    "foreign script": '<script src="https://evil.example/x.js"></script>',
    "event handler": "<p onclick=alert(1)>x</p>",
    "javascript link": '<a href="&#x6A;ava&#x09;script:alert(1)">x</a>',
    "vbscript link": '<a href=" VBScript:msgbox(1)">x</a>',
    "data link": '<a href="data:text/html,x">x</a>',
    "svg xlink": '<svg><a xlink:href="javascript:alert(1)">x</a></svg>',
    "svg with a link": '<svg viewBox="0 0 1 1"><a href="/posts/1/delete"><path d="M0"/></a></svg>',
    "svg animation": '<svg viewBox="0 0 1 1"><set attributeName="href" to="https://evil.example/"/></svg>',
    "iframe": '<iframe src="https://example.com"></iframe>',
    "object": "<object></object>",
    "base": '<base href="https://evil.example/">',
    "meta refresh": '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    "foreign form": '<form action="https://evil.example/"></form>',
    "formaction": '<button formaction="javascript:alert(1)">x</button>',
    "style expression": '<p style="width: expr/**/ession(alert(1))">x</p>',
    "style url": '<p style="background: url( javascript:alert(1))">x</p>',
    "prose image": '<div class="prose"><img src="https://example.com/x.png" alt=""></div>',
    "prose link without rel": '<div class="prose"><a href="https://example.com">x</a></div>',
    "prose link with partial rel": '<div class="prose"><a href="https://example.com" rel="nofollow">x</a></div>',
    "prose form": '<div class="prose"><form action="/posts/1/delete"><button>x</button></form></div>',
    "external link without rel": '<a href="https://evil.example/">x</a>',
}


@pytest.mark.parametrize("name", list(CAUGHT))
def test_the_checker_catches(name):
    assert find_problems(PAGE.format(CAUGHT[name])), name


def test_the_checker_passes_a_clean_page():
    clean = '<div class="prose"><p><a href="https://example.com" rel="nofollow ugc noopener">x</a></p></div>'
    clean += '<svg class="icon" aria-hidden="true" viewBox="0 0 24 24"><path d="M12 22" fill="currentColor"/></svg>'
    assert find_problems(PAGE.format(clean)) == []
    assert find_problems(PAGE.format("<p>&lt;script&gt;alert(1)&lt;/script&gt; &lt;img onerror=x&gt;</p>")) == []


# -- the corpus through the site ------------------------------------------------------------
class Inspector:
    """Requests pages as one browser would and keeps every problem found, so one run reports them all."""

    def __init__(self, client):
        self.client = client
        self.problems: list[str] = []
        self.token: str | None = None  # the session's CSRF token, read from the last page shown

    def check(self, response, where: str):
        assert response.status_code < 500, f"{where}: HTTP {response.status_code}"
        if response.mimetype == "text/html":
            html = response.get_data(as_text=True)
            # Canonical and shared links are absolute, on the site's own address.
            self.problems += find_problems(html, where, own_origin=self.client.application.config["SITE_URL"])
            if has_csrf_token(html):
                self.token = csrf_token_from(html)
        elif response.mimetype == "application/atom+xml":
            self.problems += find_feed_problems(response.get_data(), where)
        return response

    def get(self, url: str, *, follow=False):
        response = self.check(self.client.get(url), f"GET {url[:80]}")
        if follow:
            self.follow(response)
        return response

    def follow(self, response):
        if response.status_code in (301, 302, 303):
            target = urlsplit(response.location)
            self.get(target.path + (f"?{target.query}" if target.query else ""))

    def post(self, url: str, data: dict, *, follow=True):
        if self.token is None:
            self.get("/__csrf__")  # a member's every page carries the token; a 404 is the cheapest
        if self.token is None:
            self.get("/login")  # a visitor's: the sign-in form
        response = self.check(self.client.post(url, data={**data, "csrf_token": self.token}), f"POST {url}")
        if follow:
            self.follow(response)
        return response

    def become(self, user):
        """Sign in as `user` (None: a visitor) on a fresh session."""
        with self.client.session_transaction() as session:
            session.clear()
            if user is not None:
                session["_user_id"] = user.get_id()
                session["_fresh"] = True
        self.token = None


@pytest.mark.parametrize(("ident", "payload"), PAYLOADS, ids=[ident for ident, _ in PAYLOADS])
def test_payload_stays_inert_everywhere(ident, payload, app, client, make_user, category, outbox):
    site = Inspector(client)
    q = quote(payload, safe="")

    # A visitor: reflected through query strings, and the "what you typed" of a refused form.
    site.get(f"/login?next={q}")
    site.get(f"/?sort={q}&kind={q}&status={q}&category={q}&page={q}")
    site.get(f"/roadmap?category={q}&kind={q}")
    kept = site.check(client.post("/posts", data={"title": payload, "body": payload}), "POST /posts without CSRF")
    assert kept.status_code == 400

    # Sign-up with the payload as display name (names over 50 characters are refused and shown back).
    email = f"{ident}@example.com"
    signup = site.post("/signup", {"display_name": payload, "email": email, "password": PASSWORD})
    if signup.status_code == 303:  # the account is made from the link mailed to the address
        [message] = outbox()
        link = link_in(message, "/signup/confirm/")
        site.get(link)
        site.post(link, {})
    author = db.session.scalars(select(User).where(User.email == email)).first()
    if author is None:
        assert signup.status_code == 422
        author = make_user(name=payload[:50], email=email)
        site.become(author)
    site.post("/account/profile", {"display_name": payload, "email": email})

    # A post with the payload as title and body; a title over the limit is refused, then shortened.
    new_post = {"title": payload, "body": payload, "kind": "complaint", "category": category.slug}
    created = site.post("/posts", new_post)
    if created.status_code == 422:
        assert len(payload) > TITLE_MAX or not payload.strip()
        created = site.post("/posts", {**new_post, "title": payload[:TITLE_MAX]})
    assert created.status_code == 303, f"the post was not created: {created.status_code}"
    post = db.session.scalars(select(Post).where(Post.author_id == author.id)).one()
    post_page = f"/posts/{post.id}-{post.slug}"
    site.get(f"/posts/{post.id}/edit")

    # Comments: one accepted, one refused (its parent is nonsense) and shown back in the form.
    site.post(f"/posts/{post.id}/comments", {"body": payload})
    site.post(f"/posts/{post.id}/comments", {"body": payload, "parent_id": payload}, follow=False)
    comment = db.session.scalars(select(Comment).where(Comment.post_id == post.id)).one()

    # Another member reports both; staff answer, ship it, note it; and suspend the author.
    site.become(make_user())
    site.post(f"/posts/{post.id}/flag", {"reason": "spam"}, follow=False)
    site.post(f"/comments/{comment.id}/flag", {"reason": "abuse"}, follow=False)
    site.become(make_user(Role.STAFF))
    site.get("/staff/queue")
    site.get("/moderation/flags")
    site.post(f"/posts/{post.id}/response", {"body": payload, "status": "done"}, follow=False)
    site.post(f"/posts/{post.id}/notes", {"body": payload}, follow=False)
    site.post(f"/users/{author.id}/suspend", {"days": "7", "reason": payload})

    # Every page that shows any of it, to staff...
    for url in (
        post_page,
        "/roadmap",
        "/staff/audit",
        f"/staff/audit?action={q}&target={q}",
        f"/staff/insights/posts/{post.id}",
        "/staff/themes",
    ):
        site.get(url)
    # ... to visitors...
    site.become(None)
    word = (re.findall(r"[^\W_]{2,}", payload) or ["x"])[0]  # a word of the title: search finds the post
    for url in (
        "/",
        post_page,
        f"/users/{author.id}",
        "/changelog",
        "/changelog.atom",
        f"/posts/{post.id}/feed.atom",
        f"/categories/{category.slug}.atom",
        f"/search?q={q}&kind={q}&status={q}&category={q}&page={q}",
        f"/search?q={quote(word)}",
    ):
        site.get(url)
    # ... to the suspended author, whose banner quotes the reason, and whose notifications quote the rest...
    site.become(db.session.get(User, author.id))
    for url in ("/account", "/notifications", "/following"):
        site.get(url)
    # ... and in the emails the site sends (HTML parts; their links are absolute, to this site).
    delivery.deliver_pending()
    for message in outbox():
        html = message.get_body(preferencelist=("html",))
        if html is not None:
            where = f"email {message['Subject']!r}"
            site.problems += find_problems(html.get_content(), where, own_origin=app.config["SITE_URL"])

    # Titles and names are text: what was typed is what the reader sees.
    db.session.rollback()
    post = db.session.get(Post, post.id)
    author = db.session.get(User, author.id)
    shown = lxml.html.document_fromstring(client.get(post_page).get_data(as_text=True))
    assert shown.get_element_by_id("post-title").text_content() == post.title
    member = lxml.html.document_fromstring(client.get(f"/users/{author.id}").get_data(as_text=True))
    assert member.find(".//h1").text_content() == author.display_name

    assert not site.problems, f"payload {ident} {payload!r} is live somewhere:\n" + "\n".join(site.problems)
