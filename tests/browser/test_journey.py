"""The customer loop in a real browser: sign up, post, vote, comment, official answer, seen by the author.

Once with JavaScript (the vote is a fetch, no navigation) and once without (every
action is a plain form), and once by keyboard alone.
"""

import email
import re
from email import policy
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Post, Status, Vote

from .conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser

POST_URL = re.compile(r"/posts/(\d+)-[a-z0-9-]+$")
TITLE = "Let me export my receipts as one PDF"
RESPONSE = "Good idea: we will build the PDF export this spring."
COMMENT = "Yes please, I email them one by one today."


def answered(response) -> bool:
    """A page came back: 2xx, or 304 when the browser revalidated its copy (visitors' pages carry ETags)."""
    return response is not None and (response.ok or response.status == 304)


def visit(page: Page, path: str) -> None:
    response = page.goto(path)
    assert answered(response), f"{path} answered {response and response.status}"


def vote_button(page: Page):
    """The vote button at the head of the post page, whatever it says now."""
    return page.locator(".post-head button.vote-button")


def mailed_link(app, to: str, path: str) -> str:
    """The newest link to `path` in the messages the site wrote to its outbox for `to`."""
    messages = [
        email.message_from_bytes(file.read_bytes(), policy=policy.default)
        for file in sorted(Path(app.config["MAIL_OUTBOX"]).glob("*.eml"), key=lambda f: f.stat().st_mtime_ns)
    ]
    for message in reversed(messages):
        if message["To"] == to:
            text = message.get_body(preferencelist=("plain",)).get_content()
            match = re.search(r"https?://\S+" + re.escape(path) + r"\S*", text)
            assert match, f"no {path} link in the message to {to}:\n{text}"
            return match.group(0)
    raise AssertionError(f"no message to {to} in the outbox")


def sign_up_and_post(page: Page, app, email_address: str, category_name: str) -> int:
    visit(page, "/")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up").click()
    expect(page).to_have_url(re.compile(r"/signup"))
    page.get_by_label("Display name").fill("Ada Customer")
    page.get_by_label("Email", exact=True).fill(email_address)
    page.get_by_label("Password", exact=True).fill("a long enough password")
    page.get_by_role("button", name="Create account").click()
    if app.config.get("SIGNUP_EMAIL_LINK"):
        # The account is made from the link mailed to the address (no telling which addresses have one).
        expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
        visit(page, mailed_link(app, email_address, "/signup/confirm/"))
        expect(page.get_by_role("heading", name="Finish creating your account")).to_be_visible()
        page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Welcome, Ada Customer!")).to_be_visible()
    screenshot(page, "journey-signed-up")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="New post").click()
    expect(page.get_by_role("heading", name="Post an idea or a complaint")).to_be_visible()
    page.get_by_label("Idea: something you would like").check()
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Category").select_option(label=category_name)
    page.get_by_label("Details").fill("Month by month, **one file**, for my accountant.")
    screenshot(page, "journey-new-post")
    page.get_by_role("button", name="Publish post").click()
    expect(page).to_have_url(POST_URL)
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_text("Your post is published.")).to_be_visible()
    # The author's own vote counts from the start.
    expect(vote_button(page).locator(".vote-count")).to_have_text("1")
    return int(POST_URL.search(page.url).group(1))


def comment_on(page: Page) -> None:
    page.get_by_label("Your comment").fill(COMMENT)
    page.get_by_role("button", name="Post comment").click()
    expect(page.get_by_text("Your comment is posted.")).to_be_visible()
    expect(page.locator(".comment-list .comment").filter(has_text=COMMENT)).to_be_visible()
    expect(page.get_by_role("heading", name="1 comment")).to_be_visible()


def answer_officially(page: Page, post_path: str) -> None:
    visit(page, post_path)
    respond = page.get_by_role("region", name="Answer officially")
    respond.get_by_label("Official response").fill(RESPONSE)
    respond.get_by_label("Set status").select_option(label="Planned")
    screenshot(page, "journey-staff-answers")
    respond.get_by_role("button", name="Publish official response").click()
    expect(page.get_by_text("Your official response is published.")).to_be_visible()


def author_sees_the_answer(page: Page) -> None:
    response = page.reload()
    assert answered(response), f"the post answered {response and response.status}"
    official = page.get_by_role("region", name=re.compile("Official response"))
    expect(official).to_contain_text(RESPONSE)
    expect(page.locator(".post-head .post-meta .badge.status-planned")).to_have_text("Planned")
    expect(vote_button(page).locator(".vote-count")).to_have_text("2")
    expect(page.locator(".comment-list")).to_contain_text(COMMENT)
    screenshot(page, "journey-author-sees-answer")


def assert_database(post_id: int) -> None:
    db.session.rollback()  # a fresh snapshot: the live server committed since
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.post_id == post_id)) == 2
    assert db.session.scalar(select(func.count()).select_from(Comment).where(Comment.post_id == post_id)) == 1
    post = db.session.get(Post, post_id)
    assert (post.status, post.vote_count, post.comment_count) == (Status.PLANNED, 2, 1)
    assert post.first_response_at is not None
    db.session.rollback()


def people(make_user, category) -> tuple[str, str, str]:
    """The voter's and the staff member's emails, and the category's name.

    Made before the browser writes anything, and the test's own transaction
    ended: under SQLite's WAL a connection that read before another one wrote
    cannot write in that same transaction.
    """
    voter = make_user(name="Bea Voter", password=PASSWORD).email
    staff = make_user("staff", name="Sam Staff", password=PASSWORD).email
    found = voter, staff, category.name
    db.session.rollback()
    return found


def test_journey_with_javascript(app, new_page, make_user, category):
    voter_email, staff_email, category_name = people(make_user, category)
    author = new_page()
    post_id = sign_up_and_post(author, app, "ada.js@example.com", category_name)
    post_path = f"/posts/{post_id}"

    voter = new_page()
    sign_in(voter, voter_email)
    visit(voter, post_path)
    expect(voter.get_by_role("heading", level=1)).to_have_text(TITLE)
    url_before = voter.url
    voter.evaluate("window.__stillHere = 'before the vote'")
    button = vote_button(voter)
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".vote-count")).to_have_text("2")
    expect(button.locator(".vote-label")).to_have_text("Voted")
    # No navigation happened: same address, and this document's JavaScript state survived.
    assert voter.url == url_before
    assert voter.evaluate("window.__stillHere") == "before the vote"
    comment_on(voter)
    screenshot(voter, "journey-voter")

    staff = new_page()
    sign_in(staff, staff_email)
    answer_officially(staff, post_path)

    author_sees_the_answer(author)
    assert_database(post_id)


def test_journey_without_javascript(app, new_page, make_user, category):
    voter_email, staff_email, category_name = people(make_user, category)
    author = new_page(javascript=False)
    post_id = sign_up_and_post(author, app, "ada.nojs@example.com", category_name)
    post_path = f"/posts/{post_id}"

    voter = new_page(javascript=False)
    sign_in(voter, voter_email)
    visit(voter, post_path)
    button = vote_button(voter)
    expect(button).to_have_attribute("aria-pressed", "false")
    with voter.expect_navigation():
        button.click()  # a plain form: the server answers 303 back to the post
    expect(voter.get_by_text("Your vote is counted.")).to_be_visible()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".vote-count")).to_have_text("2")
    comment_on(voter)

    staff = new_page(javascript=False)
    sign_in(staff, staff_email)
    answer_officially(staff, post_path)

    author_sees_the_answer(author)
    assert_database(post_id)


def test_keyboard_only(page, make_user, make_post):
    post_id = make_post(title="Keyboard shortcuts for the ledger").id
    post_path = f"/posts/{post_id}"
    voter_email = make_user(name="Kim Keys", password=PASSWORD).email
    db.session.rollback()
    sign_in(page, voter_email)
    visit(page, post_path)

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()  # it appears when focused
    screenshot(page, "keyboard-skip-link")

    button = vote_button(page)
    expect(button).to_be_visible()
    for _ in range(60):
        page.keyboard.press("Tab")
        if button.evaluate("element => element === document.activeElement"):
            break
    else:
        pytest.fail("60 presses of Tab never reached the vote button")
    expect(button).to_be_focused()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".vote-count")).to_have_text("2")

    # Signing out is a POST form in the header, and works from the keyboard too.
    sign_out = page.get_by_role("button", name="Sign out")
    sign_out.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign in")).to_be_visible()
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)

    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Vote).where(Vote.post_id == post_id)) == 2
    db.session.rollback()
