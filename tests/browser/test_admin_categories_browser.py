"""The admin's categories page in a real browser, wide (1280 px) and on a phone (390 px): it fits,
passes axe, and making a category restricted shows its badge.

With SCREENSHOT_DIR=docs/screenshots these keep the PNGs the documentation shows."""

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Category, Role, Visibility

from .conftest import PASSWORD, axe_report, screenshot, sign_in
from .test_staff_screens import PHONE, WIDE, fits_horizontally

pytestmark = pytest.mark.browser


@pytest.fixture
def admin(make_user, category):
    db.session.add(Category(slug="internal", name="Internal", visibility=Visibility.STAFF))
    db.session.commit()
    return make_user(Role.ADMIN, name="Ada Admin", email="ada@example.com", password=PASSWORD)


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_an_admin_restricts_a_category_to_a_partner(new_page, admin, viewport):
    page = new_page(viewport=viewport)
    sign_in(page, "ada@example.com")
    page.goto("/admin/categories")
    assert fits_horizontally(page)
    new = page.locator("form").filter(has=page.get_by_role("button", name="Create the category"))
    new.get_by_label("Name").fill("Partner program")
    new.get_by_label("Who may see its posts").select_option("restricted")
    new.get_by_label("Email domains (restricted only)").fill("partner.example")
    new.get_by_role("button", name="Create the category").click()
    expect(page.get_by_text("“Partner program” is created")).to_be_visible()
    expect(page.get_by_role("row", name="Partner program Restricted partner.example")).to_be_visible()
    assert fits_horizontally(page)
    name = "admin-categories-" + ("wide" if viewport is WIDE else "phone")
    screenshot(page, name)
    assert axe_report(page, name) == ""
