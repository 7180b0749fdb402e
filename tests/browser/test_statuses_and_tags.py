"""Custom statuses, tags and release notes in a real browser (issue 27, points 5 to 7), wide (1280 px)
and on a phone (390 px), with and without JavaScript: the pages are plain forms.

With SCREENSHOT_DIR=docs/screenshots these keep the PNGs the documentation shows."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Role, Status
from forum.services import responses

from .conftest import PASSWORD, assert_accessible, screenshot, sign_in
from .test_staff_screens import PHONE, WIDE, fits_horizontally

pytestmark = pytest.mark.browser


@pytest.fixture
def team(make_user, make_post):
    admin = make_user(Role.ADMIN, name="Ada Admin", email="ada@example.com", password=PASSWORD)
    make_user(Role.STAFF, name="Sam Staff", email="sam@example.com", password=PASSWORD)
    reviewed = make_post(title="Offline mode for the mobile app", body="On the train I have no signal.")
    responses.change_status(admin, reviewed, Status.UNDER_REVIEW)
    shipped = make_post(title="Export reports to CSV", body="For our finance team.")
    responses.change_status(admin, shipped, Status.DONE)
    make_post(title="Invoices in euros", body="We pay in euros.")
    db.session.commit()
    return {"reviewed": reviewed, "shipped": shipped}


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_an_admin_adds_a_status_that_is_a_roadmap_column_and_archives_one_in_use(new_page, team, javascript):
    page = new_page(javascript=javascript, viewport=WIDE)
    sign_in(page, "ada@example.com")
    staff_bar = page.get_by_role("navigation", name="Staff")
    staff_bar.get_by_text("Admin", exact=True).click()  # the site's settings sit behind the Admin menu
    staff_bar.get_by_role("link", name="Statuses").click()
    expect(page.get_by_role("heading", name="Statuses", exact=True)).to_be_visible()
    new = page.locator(".status-admin-new")
    new.get_by_label("Label").fill("In beta")
    new.get_by_label("Kind").select_option("active")
    new.get_by_label("Colour").select_option("teal")
    new.get_by_role("button", name="Add status").click()
    expect(page.locator(".flashes")).to_contain_text("“In beta” is added.")
    page.get_by_role("button", name="Move up “In beta”").click()
    expect(page.locator(".status-admin-row").nth(5)).to_contain_text("In beta")

    page.goto("/roadmap")
    expect(page.get_by_role("heading", name="In beta")).to_be_visible()
    card = page.locator(".roadmap-card", has_text="Invoices in euros")
    card.get_by_label("Move “Invoices in euros” to").select_option("in_beta")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(".flashes")).to_contain_text("Moved “Invoices in euros” from Open to In beta.")

    page.goto("/admin/statuses")
    page.get_by_role("button", name="Archive “Under review”").click()
    expect(page.get_by_role("alert")).to_contain_text("choose the status they move to")
    page.get_by_label("Archiving “Under review” moves its 1 post to").select_option("planned")
    page.get_by_role("button", name="Archive “Under review”").click()
    expect(page.locator(".flashes")).to_contain_text("“Under review” is archived. Its 1 post moved to Planned.")
    expect(page.get_by_role("button", name="Restore “Under review”")).to_be_visible()
    if javascript:
        assert_accessible(page, "admin-statuses-wide")
        phone = new_page(viewport=PHONE)
        sign_in(phone, "ada@example.com")
        phone.goto("/admin/statuses")
        assert fits_horizontally(phone)
        screenshot(phone, "admin-statuses-phone")

    page.goto(f"/posts/{team['reviewed'].id}")
    expect(page.locator(".timeline")).to_contain_text("“Under review” was retired.")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_staff_tag_a_post_and_members_filter_by_the_tag(new_page, team, javascript):
    page = new_page(javascript=javascript, viewport=WIDE)
    sign_in(page, "sam@example.com")
    page.goto(f"/posts/{team['reviewed'].id}")
    page.get_by_label("Tags of this post").fill("Mobile, Offline")
    page.get_by_role("button", name="Save tags").click()
    expect(page.locator(".flashes")).to_contain_text("Tags of “Offline mode for the mobile app”: Mobile, Offline.")
    expect(page.get_by_label("Tags of this post")).to_have_value("Mobile, Offline")
    if javascript:
        assert_accessible(page, "post-tags-wide")

    visitor = new_page(javascript=javascript, viewport=PHONE)
    visitor.goto("/")
    visitor.locator(".post-card", has_text="Offline mode").get_by_role("link", name="Tag: Offline").click()
    expect(visitor).to_have_url(re.compile(r"/\?tag=offline$"))
    expect(visitor.locator(".post-card-title")).to_have_count(1)
    expect(visitor.get_by_role("heading", level=1)).to_contain_text("tagged “Offline”")
    assert fits_horizontally(visitor)
    if javascript:
        screenshot(visitor, "home-tag-phone")
        visitor.goto(f"/posts/{team['reviewed'].id}")
        screenshot(visitor, "post-tags-phone")


def test_staff_publish_a_release_note_on_the_changelog(new_page, team):
    page = new_page(viewport=WIDE)
    sign_in(page, "sam@example.com")
    page.goto("/changelog")
    page.get_by_role("link", name="Write a release note").click()
    page.get_by_label("Title").fill("December release")
    page.get_by_label("What shipped").fill("Reports export to **CSV** now, with accents intact.")
    page.get_by_label("Requests it ships").fill(str(team["shipped"].id))
    page.get_by_role("button", name="Publish release note").click()
    expect(page.locator(".flashes")).to_contain_text("“December release” is published")
    page.goto("/changelog")
    note = page.locator(".release-note")
    expect(note).to_contain_text("Reports export to CSV now")
    expect(note.get_by_role("link", name="Export reports to CSV")).to_be_visible()
    assert_accessible(page, "changelog-wide")
    phone = new_page(viewport=PHONE)
    phone.goto("/changelog")
    assert fits_horizontally(phone)
    screenshot(phone, "changelog-phone")
