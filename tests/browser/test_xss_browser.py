"""The XSS corpus in real Chromium: nothing a member typed ever runs.

Every payload of tests/data/xss_payloads.txt is stored as a member's display name, a post's
title and body, a comment, an official response and an internal note. Chromium then opens the
pages that show them, with the Content-Security-Policy switched off (so escaping and
sanitising alone must hold; CSP is the second wall, not the first), with a sentinel in place of
alert/confirm/prompt, and with every inline handler that might have slipped through fired on
purpose. Any call, dialog, script-URL, request to another host or page error fails the test.
"""

import pytest
from playwright.sync_api import Page

from forum.extensions import db
from forum.models import Kind, Role, Status
from forum.services import accounts, comments, moderation, posts, responses
from forum.services.accounts import NAME_MAX
from forum.services.posts import TITLE_MAX
from tests.xss_corpus import load_payloads

from .conftest import PASSWORD, sign_in

pytestmark = pytest.mark.browser

PAYLOADS = load_payloads()

SENTINEL = """
window.__xss = 0;
window.__xss_calls = [];
(() => {
  const hit = (name) => (...args) => { window.__xss++; window.__xss_calls.push(name + "(" + args.join(",") + ")"); };
  window.alert = hit("alert");
  window.confirm = (...args) => { hit("confirm")(...args); return false; };
  window.prompt = (...args) => { hit("prompt")(...args); return null; };
  window.print = hit("print");
})();
"""

# Fire every inline handler that survived (a hover, a focus, an image error...), then report what the
# browser itself parsed: handlers, and URLs whose scheme, as Chromium reads it, would run or smuggle code.
PROBE = """() => {
  const found = [];
  for (const element of document.querySelectorAll("*")) {
    for (const name of element.getAttributeNames()) {
      if (name.startsWith("on")) {
        found.push(`<${element.localName} ${name}>`);
        try { element.dispatchEvent(new Event(name.slice(2), {bubbles: false})); } catch (e) {}
      }
    }
    for (const name of ["href", "src", "action", "formaction", "data", "xlink:href", "poster", "srcdoc"]) {
      const raw = element.getAttribute(name);
      if (raw === null) continue;
      if (name === "srcdoc") { found.push(`<${element.localName} srcdoc>`); continue; }
      let protocol = "";
      try { protocol = new URL(raw, document.baseURI).protocol; } catch (e) { continue; }
      if (["javascript:", "vbscript:", "data:"].includes(protocol)) {
        found.push(`<${element.localName} ${name}=${raw}>`);
      }
    }
  }
  for (const script of document.scripts) {
    if (!script.src || new URL(script.src).origin !== location.origin) found.push(`<script src=${script.src}>`);
  }
  return {found, calls: window.__xss_calls, count: window.__xss};
}"""


def store_corpus(make_user, category) -> dict:
    """Every payload as a member's name, a post's title and body, a comment, a response and a note."""
    staff = make_user(Role.STAFF, name="Sam Staff", password=PASSWORD)
    collector = make_user(name="Collector", password=PASSWORD)
    gallery = posts.create_post(
        collector, kind=Kind.IDEA, title="Gallery", body="Every payload below.", category=category
    )
    post_ids = []
    for n, (ident, payload) in enumerate(PAYLOADS):
        author = accounts.create_user(f"browser-{n}@example.com", PASSWORD, payload[:NAME_MAX].strip() or ident)
        kind = Kind.COMPLAINT if n % 2 else Kind.IDEA
        post = posts.create_post(author, kind=kind, title=payload[:TITLE_MAX], body=payload, category=category)
        comments.add_comment(author, post, payload)
        comments.add_comment(collector, gallery, payload)
        if n % 3 == 0:
            responses.respond(staff, post, payload, Status.PLANNED if n % 2 else Status.DONE)
        moderation.add_note(staff, gallery, payload)
        post_ids.append(post.id)
    db.session.commit()
    found = {"staff": staff.email, "collector": collector.id, "gallery": gallery.id, "posts": post_ids}
    db.session.rollback()  # end this snapshot before the live server writes (SQLite WAL)
    return found


class Watch:
    """What went wrong on the pages one browser page visited."""

    def __init__(self, page: Page, origin: str):
        self.page, self.origin = page, origin
        self.problems: list[str] = []
        page.add_init_script(SENTINEL)
        page.on("dialog", self._dialog)
        page.route("**/*", self._route)

    def _dialog(self, dialog):
        self.problems.append(f"{self.page.url}: a {dialog.type} dialog opened: {dialog.message!r}")
        dialog.dismiss()

    def _route(self, route):
        url = route.request.url
        if url == self.origin or url.startswith(self.origin + "/"):
            route.continue_()
        else:
            self.problems.append(f"{self.page.url}: the page asked for {url}")
            route.abort()

    def visit(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None and response.status < 500, f"{path}: HTTP {response and response.status}"
        self.page.mouse.move(5, 5)
        self.page.mouse.move(400, 400)
        result = self.page.evaluate(PROBE)
        for item in result["found"]:
            self.problems.append(f"{path}: {item}")
        if result["count"]:
            self.problems.append(f"{path}: script ran: {result['calls']}")


def test_no_payload_runs_in_chromium(new_page, live_url, make_user, category):
    stored = store_corpus(make_user, category)
    per_page = 20

    visitor = Watch(new_page(bypass_csp=True), live_url)
    for page_number in range(1, (len(PAYLOADS) + 1) // per_page + 2):
        visitor.visit(f"/?sort=new&page={page_number}")
    visitor.visit("/roadmap")
    for word in ("alert", "javascript", "script", "onerror"):  # search highlights words in titles and texts
        visitor.visit(f"/search?q={word}")
    visitor.visit("/changelog")
    visitor.visit(f"/posts/{stored['gallery']}")
    visitor.visit(f"/users/{stored['collector']}")
    for post_id in stored["posts"]:
        visitor.visit(f"/posts/{post_id}")

    staff_page = new_page(bypass_csp=True)
    staff = Watch(staff_page, live_url)
    sign_in(staff_page, stored["staff"])
    for path in (f"/posts/{stored['gallery']}", "/staff/queue", "/staff/audit", "/staff/themes", "/roadmap"):
        staff.visit(path)

    problems = visitor.problems + staff.problems
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems[:80])


def test_the_sentinel_and_probe_do_catch_script(new_page, live_url):
    """The checks above would see a script that ran: proven on a page that runs one on purpose."""
    page = new_page(bypass_csp=True)
    watch = Watch(page, live_url)
    watch.visit("/")
    page.evaluate("() => { alert('x'); document.body.insertAdjacentHTML('beforeend', '<p onclick=1>x</p>'); }")
    result = page.evaluate(PROBE)
    assert result["count"] == 1
    assert result["found"] == ["<p onclick>"]
