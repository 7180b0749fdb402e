"""Merging by search, editing one's comment and the audit log, in a real browser, with and without
script, wide (1280 px) and on a phone (390 px).

With SCREENSHOT_DIR=docs/screenshots these keep the PNGs the documentation shows."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, FlagReason, Post, Role, Status
from forum.services import comments, moderation, responses, votes

from .conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def scene(make_user, make_post):
    sam = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com", password=PASSWORD)
    mia = make_user(Role.MODERATOR, name="Mia", email="mia@example.com", password=PASSWORD)
    ada = make_user(name="Ada", email="ada@example.com", password=PASSWORD)
    original = make_post(title="Dark mode for the mobile app", body="White screens hurt at night.")
    duplicate = make_post(title="Please add a night theme to the phone app", body="Too bright at night.")
    for n in range(5):
        voter = make_user(name=f"Voter {n}")
        votes.add(voter, duplicate)
        if n < 2:
            votes.add(voter, original)
    comment = comments.add_comment(ada, original, "Totally agree, the white screen at night is blinding.")
    responses.respond(sam, original, "Dark mode is planned for the spring.", Status.PLANNED)
    for n in range(3):
        moderation.flag(make_user(name=f"Reporter {n}"), comment, FlagReason.SPAM, threshold=3)
    moderation.decide(mia, comment, "keep")
    db.session.commit()
    return {"original": original, "duplicate": duplicate, "comment": comment}


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_staff_merge_by_words_of_the_title_after_a_preview(new_page, scene, javascript):
    original, duplicate = scene["original"], scene["duplicate"]
    page = new_page(javascript=javascript, viewport=WIDE)
    sign_in(page, "sam@example.com")
    page.goto(f"/posts/{duplicate.id}")
    field = page.get_by_label("Merge this duplicate into")
    if javascript:
        field.press_sequentially("dark mode mobile", delay=20)
        suggestion = page.locator(".merge-suggestions").get_by_role("link", name="Dark mode for the mobile app")
        expect(suggestion).to_be_visible()
        screenshot(page, "merge-suggestions-wide")
        suggestion.click()
    else:
        field.fill("dark mode mobile")
        page.get_by_role("button", name="Find the original").click()
        expect(page.get_by_role("heading", name="Posts that match “dark mode mobile”")).to_be_visible()
        screenshot(page, "merge-search-wide")
        page.get_by_role("link", name="Preview the merge into “Dark mode for the mobile app”").click()
    expect(page.get_by_role("heading", name="Before you confirm: what the merge does")).to_be_visible()
    # The duplicate's author and 3 voters move over; 2 voters voted both ways and count once.
    expect(page.get_by_text("4 votes move")).to_be_visible()
    expect(page.get_by_text("2 voters voted for both")).to_be_visible()
    screenshot(page, "merge-preview-wide" if javascript else "merge-preview-wide-no-script")
    assert db.session.get(Post, duplicate.id).merged_into_id is None

    page.get_by_role("button", name="Merge into “Dark mode for the mobile app”").click()
    expect(page.get_by_text("Merged into “Dark mode for the mobile app”")).to_be_visible()
    expect(page).to_have_url(re.compile(rf"/posts/{original.id}-"))
    db.session.rollback()
    assert db.session.get(Post, duplicate.id).merged_into_id == original.id


def test_the_merge_preview_and_its_errors_fit_a_phone(new_page, scene):
    duplicate = scene["duplicate"]
    page = new_page(viewport=PHONE)
    sign_in(page, "sam@example.com")
    page.goto(f"/posts/{duplicate.id}/merge?into={scene['original'].id}")
    expect(page.get_by_role("button", name="Merge into “Dark mode for the mobile app”")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "merge-preview-phone")
    page.goto(f"/posts/{duplicate.id}/merge?into=9999")
    expect(page.get_by_text("There is no post number 9999. Type words of its title to find it.")).to_be_visible()
    page.goto(f"/posts/{duplicate.id}/merge?into={duplicate.id}")
    expect(page.get_by_text("A post cannot be merged into itself")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_a_member_edits_her_comment_and_it_says_edited(new_page, scene, javascript):
    original, comment = scene["original"], scene["comment"]
    page = new_page(javascript=javascript, viewport=WIDE)
    sign_in(page, "ada@example.com")
    page.goto(f"/posts/{original.id}")
    page.locator(f"#comment-{comment.id}").get_by_role("link", name="Edit your comment").click()
    box = page.get_by_label("Your comment")
    expect(box).to_have_value("Totally agree, the white screen at night is blinding.")
    box.fill("")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("A comment cannot be empty")).to_be_visible()
    page.get_by_label("Your comment").fill("Totally agree: **dark mode** please.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_text("Your comment is updated; the earlier version is kept.")).to_be_visible()
    shown = page.locator(f"#comment-{comment.id}")
    expect(shown.locator("strong", has_text="dark mode")).to_be_visible()
    expect(shown.get_by_text(re.compile(r"^edited"))).to_be_visible()
    db.session.rollback()
    assert db.session.scalar(select(Comment.body).where(Comment.id == comment.id)).startswith("Totally agree:")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_audit_log_reads_as_sentences_and_filters_by_name(new_page, scene, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, "sam@example.com")
    page.goto("/staff/audit")
    log = page.locator(".audit-log")
    expect(log.get_by_text("The system hid the comment")).to_be_visible()
    expect(log.get_by_text("after 3 reports (3 spam)")).to_be_visible()
    expect(log.get_by_role("link", name="Mia")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "audit-wide" if viewport is WIDE else "audit-phone")
    page.get_by_label("Who").fill("mia")
    page.get_by_role("button", name="Show").click()
    expect(page.locator(".audit-entry")).to_have_count(1)
    expect(log).to_contain_text("Mia (moderator) unhid the comment “Totally agree, the white screen at night…”")
    log.get_by_role("link", name="“Totally agree, the white screen at night…”").click()
    expect(page).to_have_url(re.compile(rf"/posts/{scene['original'].id}-.*#comment-{scene['comment'].id}$"))
