"""An admin makes an API key in a real browser, wide and on a phone: the form sends (browsers check
`required` boxes themselves), the key shows once, the page passes axe; the API reference reads
without script and fits a phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from forum.models import Role

from .conftest import PASSWORD, assert_accessible, sign_in

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("size", [{"width": 1280, "height": 900}, {"width": 390, "height": 844}])
def test_an_admin_makes_a_key_and_sees_it_once(page: Page, make_user, size):
    page.set_viewport_size(size)
    make_user(Role.ADMIN, email="ada@example.com", password=PASSWORD)
    sign_in(page, "ada@example.com")
    staff_bar = page.get_by_role("navigation", name="Staff")
    staff_bar.get_by_text("Admin", exact=True).click()  # the site's settings sit behind the Admin menu
    staff_bar.get_by_role("link", name="API keys").click()
    page.get_by_label("Name").fill("Help desk")
    page.get_by_label("read: Read posts and comments").check()
    page.get_by_label("write: Post, comment and vote").check()
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_label("Key", exact=True)
    expect(key).to_have_value(re.compile(r"^tbk_[0-9a-f]{8}_"))
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    assert_accessible(page, f"api-keys-{size['width']}")
    page.goto("/admin/api-keys")  # a fresh visit (a reload would send the form again)
    expect(page.get_by_label("Key", exact=True)).to_have_count(0)
    expect(page.get_by_role("button", name="Revoke “Help desk”")).to_be_visible()


def test_the_reference_fits_a_phone(page: Page):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/api/docs")
    expect(page.get_by_role("heading", name="GET /api/v1/posts", exact=True)).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page, "api-docs-390")
