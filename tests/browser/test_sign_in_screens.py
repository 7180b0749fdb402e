"""Signing in through an OpenID Connect provider and the admins' sign-in and company screens, in a real
browser, wide (1280 px) and on a phone (390 px), with no axe violation. The provider is the real one of
tests/identity/ (the npm package oidc-provider), its own login and consent pages filled as a person would.

With SCREENSHOT_DIR set these keep a PNG of each screen."""

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Role, SignInProvider
from tests.identity.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

from .conftest import PASSWORD, axe_report, screenshot, sign_in

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def provider(live_url, app_ctx):
    with running_provider(f"{live_url}/login/oidc/company-id/callback") as issuer:
        provider = SignInProvider(slug="company-id", display_name="Company ID", issuer=issuer, client_id=CLIENT_ID,
                                  client_secret=CLIENT_SECRET, allowed_domains="example.com")  # fmt: skip
        db.session.add(provider)
        db.session.commit()
        yield provider


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_a_customer_signs_in_with_the_provider(new_page, provider, viewport):
    page = new_page(viewport=viewport)
    # The provider's development pages link a web font from the internet: answer it here, empty.
    page.route(re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda route: route.fulfill(status=200, body=""))
    page.goto("/login?next=/roadmap")
    assert not axe_report(page, f"sign-in-with-provider-{viewport['width']}")
    page.get_by_role("link", name="Sign in with Company ID").click()

    # The provider's own pages.
    page.locator("input[name=login]").fill("ada")
    page.locator("input[name=password]").fill("anything")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(f"{page.url.split('/roadmap')[0]}/roadmap")
    expect(page.locator(".flash-success")).to_contain_text("Signed in as Ada Lovelace")
    expect(page.get_by_role("link", name="Notifications")).to_be_visible()
    if viewport is PHONE:  # on a phone Sign out sits behind the header's Menu
        page.locator(".site-menu-toggle").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    screenshot(page, f"signed-in-with-provider-{viewport['width']}")


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["wide", "phone"])
def test_the_admin_screens_read_well(new_page, provider, make_user, viewport, tmp_path):
    make_user(Role.ADMIN, name="Ada Admin", email="admin@example.com", password=PASSWORD)
    page = new_page(viewport=viewport)
    sign_in(page, "admin@example.com")
    width = viewport["width"]

    page.goto("/admin/sign-in")
    expect(page.get_by_role("heading", name="Company ID")).to_be_visible()
    assert not axe_report(page, f"admin-sign-in-{width}")

    csv = tmp_path / "companies.csv"
    csv.write_text(
        "external_id,name,plan,monthly_revenue,region\n"
        "acme,Acme Corp,enterprise,12500,EU\nglobex,Globex,starter,99,US\n"
        ",No id,pro,10,EU\ninitech,Initech,pro,lots,EU\n"
    )
    page.goto("/admin/companies/import")
    assert not axe_report(page, f"company-import-{width}")
    page.get_by_label("CSV file").set_input_files(str(csv))
    page.get_by_role("button", name="Preview the import").click()
    expect(page.locator(".lede")).to_contain_text("2 to create, 0 to update, 0 unchanged, 2 refused")
    assert not axe_report(page, f"company-import-preview-{width}")
    page.get_by_role("button", name="Apply: create 2, update 0").click()
    expect(page.locator(".flash-success")).to_contain_text("2 created")
    expect(page.get_by_role("rowheader", name="Acme Corp")).to_be_visible()
    assert not axe_report(page, f"companies-{width}")
