"""The page frame in a real browser: the signed-in header fits one row at 1280 px for every role,
folds into a "Menu" disclosure on a phone (with and without script), and every button and link a
person must hit is at least 24×24 px, or has room around it (WCAG 2.2, 2.5.8 Target Size).

With SCREENSHOT_DIR=docs/screenshots these keep the PNGs the documentation shows."""

import re

import pytest
from playwright.sync_api import Page, expect

from forum.extensions import db
from forum.models import FlagReason, Role, Status
from forum.services import comments, moderation, responses, votes

from .conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# A long display name, as members choose them: the header must still fit.
LONG_NAME = "Alexandra Featherstonehaugh"


@pytest.fixture
def scene(make_user, make_post):
    people = {
        role: make_user(role, name=LONG_NAME, email=f"{role}@example.com", password=PASSWORD)
        for role in (Role.MEMBER, Role.MODERATOR, Role.STAFF, Role.ADMIN)
    }
    author = make_user(name="Cy Author")
    post = make_post(author, title="Dark mode for the mobile app", body="My eyes hurt at night.")
    other = make_post(author, title="Night theme for the phone app", body="Too bright at night.")
    votes.add(people[Role.MEMBER], post)
    first = comments.add_comment(people[Role.MEMBER], post, "Totally agree, the white screen is blinding.")
    comments.add_comment(author, post, "Thanks!", parent=first)
    comments.add_comment(author, post, "Any news on this?")
    responses.respond(people[Role.STAFF], post, "Dark mode is planned for the spring.", Status.PLANNED)
    moderation.flag(people[Role.MEMBER], other, FlagReason.SPAM, threshold=99)
    moderation.toggle_post(people[Role.MODERATOR], other, "lock")
    db.session.commit()
    return {"people": people, "post": post, "other": other}


def fits_horizontally(page: Page) -> bool:
    if page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        return True
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 8).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")
    raise AssertionError(f"wider than the screen: {wide}")


def header_rows(page: Page) -> list[str]:
    """The header row's visible controls whose middle is off the brand's line: [] when one row."""
    return page.evaluate("""() => {
        const row = document.querySelector('.header-row');
        const brand = row.querySelector('.brand').getBoundingClientRect();
        const middle = brand.top + brand.height / 2;
        return [...row.querySelectorAll('a, button, input, summary')]
          .filter(el => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; })
          .filter(el => { const b = el.getBoundingClientRect(); return Math.abs(b.top + b.height / 2 - middle) > 8; })
          .map(el => (el.textContent.trim() || el.name || el.tagName) + ' at y='
                     + Math.round(el.getBoundingClientRect().top));
    }""")


@pytest.mark.parametrize("role", [Role.MEMBER, Role.MODERATOR, Role.STAFF, Role.ADMIN])
def test_the_signed_in_header_fits_one_row_at_1280(new_page, scene, role):
    page = new_page(viewport=WIDE)
    sign_in(page, f"{role}@example.com")
    page.goto("/")
    screenshot(page, f"header-{role}-1280")
    assert header_rows(page) == []
    nav = page.get_by_role("navigation", name="Main")
    for name in ("Posts", "Roadmap", "Changelog"):
        expect(nav.get_by_role("link", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator(".site-menu-toggle")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_phone_gets_a_compact_menu(new_page, scene, javascript):
    page = new_page(javascript=javascript, viewport=PHONE)
    sign_in(page, "staff@example.com")
    page.goto("/")
    screenshot(page, f"header-390-{'script' if javascript else 'no-script'}")
    header = page.locator(".site-header .header-row").bounding_box()
    assert header["height"] <= 110, header
    roadmap = page.get_by_role("navigation", name="Main").get_by_role("link", name="Roadmap")
    expect(roadmap).to_be_hidden()
    expect(page.get_by_role("link", name="New post", exact=True)).to_be_visible()
    page.locator(".site-menu-toggle").click()
    expect(roadmap).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, f"header-menu-390-{'script' if javascript else 'no-script'}")
    assert fits_horizontally(page)
    roadmap.click()
    expect(page).to_have_url(re.compile(r"/roadmap$"))


# Every visible control a person may need to hit. Links inside a line of text are exempt (WCAG's
# "inline" exception); a small control passes when a 24 px circle on its middle touches no other
# control (WCAG's "spacing" exception).
TARGETS = """() => {
  const visible = el => { const b = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return b.width > 0 && b.height > 0 && s.visibility !== 'hidden'; };
  const inline = el => {
    if (el.tagName !== 'A' || getComputedStyle(el).display !== 'inline') return false;
    const block = el.closest('p, li, td, dd, h1, h2, h3, div, span, nav');
    return block && block.textContent.trim().length > el.textContent.trim().length + 2;
  };
  const all = [...document.querySelectorAll('a[href], button, summary, select, textarea, '
                                            + 'input:not([type=hidden]):not([type=radio]):not([type=checkbox])')]
    .filter(visible).filter(el => !el.closest('.trap, .skip-link'));
  const boxes = all.map(el => ({el, b: el.getBoundingClientRect()}));
  const small = boxes.filter(({el, b}) => !inline(el) && (b.width < 23.5 || b.height < 23.5));
  const centre = b => [b.left + b.width / 2, b.top + b.height / 2];
  const near = (c, b) => Math.hypot(Math.max(b.left - c[0], 0, c[0] - b.right),
                                    Math.max(b.top - c[1], 0, c[1] - b.bottom));
  return small.filter(({el, b}) => {
    const c = centre(b);
    return boxes.some(o => o.el !== el && !o.el.contains(el) && !el.contains(o.el) &&
      (small.includes(o) ? Math.hypot(...centre(o.b).map((v, i) => v - c[i])) < 24 : near(c, o.b) < 12));
  }).map(({el, b}) => {
    const name = (el.textContent || el.value || el.name || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()} "${name}" ${Math.round(b.width)}x${Math.round(b.height)}`;
  });
}"""


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1280", "390"])
def test_every_target_is_at_least_24_px(new_page, scene, viewport):
    post, other = scene["post"], scene["other"]
    pages = {
        Role.MEMBER: ["/", f"/posts/{post.id}", "/account", "/notifications"],
        Role.MODERATOR: [f"/posts/{post.id}", "/moderation/flags"],
        Role.STAFF: ["/", f"/posts/{post.id}", f"/posts/{other.id}", "/roadmap", "/staff/queue", "/staff/audit",
                     f"/posts/{other.id}/merge?into=dark+mode", f"/posts/{other.id}/merge?into={post.id}"],
    }  # fmt: skip
    problems = []
    for role, paths in pages.items():
        page = new_page(viewport=viewport)
        sign_in(page, f"{role}@example.com")
        for path in paths:
            page.goto(path)
            # The reply and report boxes open: their buttons count too.
            for box in page.locator("details.reply-box, details.flag-box").all()[:2]:
                box.evaluate("el => el.open = true")
            problems += [f"{role} {path}: {target}" for target in page.evaluate(TARGETS)]
    assert not problems, "targets under 24×24 px with no room around them:\n" + "\n".join(problems)


def test_the_target_check_catches_a_small_button(page):
    """The harness itself: two 16 px buttons side by side must fail."""
    page.set_content('<p><button style="width:16px;height:16px;padding:0">a</button>'
                     '<button style="width:16px;height:16px;padding:0">b</button></p>')  # fmt: skip
    assert len(page.evaluate(TARGETS)) == 2
