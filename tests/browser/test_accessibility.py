"""axe-core on every kind of page, as each kind of person sees it: no violations allowed.

Each page is seeded with the content that exercises its template (comments and
replies, an official response, a status history, reports, notes, grouped
complaints), so the check covers what people really see, not empty states.
"""

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category, FlagReason, Kind, Role, Status
from forum.services import comments, moderation, responses, votes

from .conftest import PASSWORD, PHONE, assert_accessible, axe_report, axe_violations, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make_user, make_post, category):
    """A small forum with something on every page; the ids and emails the tests need."""
    author = make_user(name="Ada Author", password=PASSWORD)
    voter = make_user(name="Bea Voter", password=PASSWORD)
    other = make_user(name="Cy Other", password=PASSWORD)
    staff = make_user(Role.STAFF, name="Sam Staff", password=PASSWORD)
    admin = make_user(Role.ADMIN, name="Al Admin", password=PASSWORD)
    billing = Category(slug="billing", name="Billing", description="Invoices, plans and payment.")
    db.session.add(billing)
    db.session.flush()

    post = make_post(author, title="Dark mode for the mobile app", body="My eyes hurt at night. **Please.**")
    votes.add(voter, post)
    votes.add(other, post)
    first = comments.add_comment(voter, post, "Yes, and a *black* theme for OLED screens.")
    comments.add_comment(author, post, "Good point, thank you.", parent=first)
    comments.add_comment(other, post, "Me too: the white flashes at night are painful.")
    responses.respond(staff, post, "Thank you all: dark mode is **planned** for the spring release.", Status.PLANNED)
    moderation.add_note(staff, post, "Design has mock-ups in the shared drive.")

    shipped = make_post(author, title="Export invoices as PDF", cat=billing)
    responses.respond(staff, shipped, "Done: the export button is on every invoice.", Status.DONE)
    reviewing = make_post(voter, title="Let me pay by bank transfer", cat=billing)
    responses.change_status(staff, reviewing, Status.UNDER_REVIEW)

    crash = make_post(voter, kind=Kind.COMPLAINT, title="The app crashes when I upload a photo")
    make_post(other, kind=Kind.COMPLAINT, title="App crashes on photo upload", body="Every photo upload crashes it.")
    votes.add(author, crash)
    spam = make_post(other, title="Cheap watches here", body="Visit my shop for cheap watches.")
    moderation.flag(voter, spam, FlagReason.SPAM, threshold=3)
    moderation.flag(author, first, FlagReason.OFF_TOPIC, threshold=3)
    db.session.commit()

    seeded = {
        "post": post.id,
        "author": author.id,
        "author_email": author.email,
        "staff_email": staff.email,
        "admin_email": admin.email,
    }
    db.session.rollback()  # end this session's read snapshot before the browser writes
    return seeded


# Who sees which pages: one signed-in browser per kind of person, every page checked.
PAGES = {
    "visitor": [
        ("home", "/"),
        ("post", "/posts/{post}"),
        ("login", "/login"),
        ("signup", "/signup"),
        ("roadmap", "/roadmap"),
        ("changelog", "/changelog"),
        ("responsiveness", "/responsiveness"),
        ("member", "/users/{author}"),
        ("not-found", "/posts/999999"),
    ],
    "author": [
        ("home-signed-in", "/"),
        ("post-as-author", "/posts/{post}"),
        ("new-post", "/posts/new"),
        ("account", "/account"),
    ],
    "staff": [
        ("post-as-staff", "/posts/{post}"),
        ("roadmap-as-staff", "/roadmap"),
        ("staff-queue", "/staff/queue"),
        ("staff-insights", "/staff/insights"),
        ("staff-post-insights", "/staff/insights/posts/{post}"),
        ("staff-themes", "/staff/themes"),
        ("staff-audit", "/staff/audit"),
        ("staff-prioritize", "/staff/prioritize"),
    ],
    "admin": [
        ("moderation-flags", "/moderation/flags"),
        ("member-as-admin", "/users/{author}"),
    ],
}


def check_pages(page, site, pages) -> list[str]:
    """Visit each page and run axe on it; every problem found, page by page (one page never hides another)."""
    problems = []
    for name, path in pages:
        response = page.goto(path.format(**site))
        expected = 404 if name == "not-found" else 200
        if response.status != expected:
            problems.append(f"{name}: {path} answered {response.status}, not {expected}")
            continue
        report = axe_report(page, name)
        if report:
            problems.append(report)
    return problems


@pytest.mark.parametrize("who", list(PAGES))
def test_pages_have_no_axe_violations(new_page, site, who):
    page = new_page()
    if who != "visitor":
        sign_in(page, site[f"{who}_email"])
    problems = check_pages(page, site, PAGES[who])
    assert not problems, f"axe, signed in as {who}:\n" + "\n".join(problems)


def test_phone_viewport_has_no_axe_violations(new_page, site):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, site["author_email"])
    problems = []
    pages = [("phone-home", "/"), ("phone-post", "/posts/{post}"), ("phone-roadmap", "/roadmap"),
             ("phone-notifications", "/notifications"), ("phone-search", "/search?q=export")]  # fmt: skip
    for name, path in pages:
        page.goto(path.format(**site))
        # Nothing wider than the screen: no sideways scrolling to read a post.
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > PHONE["width"]:
            problems.append(f"{name} is {width}px wide on a {PHONE['width']}px screen")
        report = axe_report(page, name)
        if report:
            problems.append(report)
    assert not problems, "on a phone:\n" + "\n".join(problems)


def test_prioritize_on_a_phone_has_no_axe_violations_and_fits(new_page, site):
    page = new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    sign_in(page, site["staff_email"])
    page.goto("/staff/prioritize")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the Prioritize page is {width}px wide on a {PHONE['width']}px screen"
    assert_accessible(page, "phone-prioritize")


def test_form_errors_have_no_axe_violations(page, site):
    """The state people meet when something goes wrong: messages tied to their fields."""
    sign_in(page, site["author_email"])
    page.goto("/posts/new")
    page.get_by_role("button", name="Publish post").click()
    expect(page.get_by_role("alert")).to_contain_text("Please fix the problems below.")
    assert_accessible(page, "new-post-errors")


def test_the_axe_check_catches_a_violation(page):
    """The harness itself: a page broken on purpose must fail, or a passing run proves nothing."""
    page.goto("/login")
    page.evaluate(
        """() => {
          const input = document.createElement('input');
          input.type = 'text';
          document.querySelector('main').append(input);
        }"""
    )
    assert "label" in {violation["id"] for violation in axe_violations(page)}
