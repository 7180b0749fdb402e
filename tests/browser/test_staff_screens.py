"""The staff and product screens in a real browser, wide (1280 px) and on a phone (390 px): the roadmap's
columns fit their controls and a move confirms itself with its note; the queue's Answer buttons are in
reach on a phone; the home filters apply on change with script and with the Show button without.

With SCREENSHOT_DIR=docs/screenshots these keep the PNGs the documentation shows."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from forum.extensions import db
from forum.models import Kind, Post, Role, Status
from forum.services import responses, votes

from .conftest import PASSWORD, screenshot, sign_in

pytestmark = pytest.mark.browser

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def board(make_user, make_post):
    staff = make_user(Role.STAFF, name="Sam Staff", email="sam@example.com", password=PASSWORD)
    for n in range(14):
        post = make_post(title=f"Planned request {n + 1}", body="Customers asked for this.")
        responses.respond(
            staff, post, "We will build this in the spring, after the billing work ships.", Status.PLANNED
        )
    for n, status in enumerate((Status.UNDER_REVIEW, Status.IN_PROGRESS, Status.DONE)):
        responses.change_status(staff, make_post(title=f"Moved request {n + 1}"), status)
    neglected = make_post(title="Push notifications arrive hours late on iOS", kind=Kind.COMPLAINT)
    for _ in range(12):
        votes.add(make_user(), neglected)
    make_post(title="A brand new gripe", kind=Kind.COMPLAINT)
    make_post(title="Open request to move", body="Please.")
    db.session.commit()
    db.session.execute(
        update(Post).where(Post.id == neglected.id).values(created_at=datetime.now(UTC) - timedelta(days=51))
    )
    db.session.commit()
    return staff


def fits_horizontally(page: Page) -> bool:
    wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 1)
        .slice(0, 8).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")
    assert not wide, wide
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_roadmap_columns_fit_their_controls_wide_and_stack_on_a_phone(new_page, board):
    page = new_page(viewport=WIDE)
    sign_in(page, "sam@example.com")
    page.goto("/roadmap")
    planned = page.locator("#column-planned").locator("xpath=..")
    expect(planned.locator(".column-count")).to_have_text("14 posts")
    expect(planned.get_by_role("link", name="See all 14")).to_be_visible()
    # Each Move control shows its whole label: the select is as wide as its widest option needs.
    # (the arrow Chromium draws takes about 20 px beside the text and the padding)
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.move-form select')].filter(el => {
               const style = getComputedStyle(el), c = document.createElement('canvas').getContext('2d');
               c.font = style.font;
               const widest = Math.max(...[...el.options].map(o => c.measureText(o.text).width));
               const room = el.getBoundingClientRect().width - parseFloat(style.paddingLeft)
                   - parseFloat(style.paddingRight) - 20;
               return room < widest; }).length"""
    )
    assert cut == 0
    assert fits_horizontally(page)
    screenshot(page, "roadmap-wide")

    phone = new_page(viewport=PHONE)
    sign_in(phone, "sam@example.com")
    phone.goto("/roadmap")
    boxes = [c.bounding_box() for c in phone.locator(".roadmap-column").all()]
    assert len({round(b["x"]) for b in boxes}) == 1  # one above the other
    assert all(b["width"] <= PHONE["width"] for b in boxes)
    assert fits_horizontally(phone)
    screenshot(phone, "roadmap-phone")


def test_a_plain_form_move_confirms_and_its_note_reaches_the_timeline(new_page, board):
    page = new_page(javascript=False, viewport=WIDE)
    sign_in(page, "sam@example.com")
    page.goto("/roadmap")
    card = page.locator(".roadmap-card", has_text="Open request to move")
    card.get_by_label("Move “Open request to move” to").select_option("planned")
    card.get_by_text("Add a public note").click()
    card.get_by_label("Public note (optional)").fill("Scheduled for the spring release.")
    card.get_by_role("button", name="Move").click()
    expect(page.locator(".flashes")).to_contain_text("Moved “Open request to move” from Open to Planned.")
    page.get_by_role("link", name="Open request to move").first.click()
    expect(page.locator(".timeline")).to_contain_text("Scheduled for the spring release.")


def test_the_queue_ranks_what_hurts_and_answers_are_in_reach_on_a_phone(new_page, board):
    page = new_page(viewport=WIDE)
    sign_in(page, "sam@example.com")
    expect(page).to_have_url(re.compile(r"/staff/queue$"))  # staff land on the queue
    titles = page.locator(".queue-title").all_inner_texts()
    assert titles.index("Push notifications arrive hours late on iOS") < titles.index("A brand new gripe")
    expect(page.locator(".staff-nav")).to_contain_text("Queue")
    screenshot(page, "queue-wide")

    phone = new_page(viewport=PHONE)
    sign_in(phone, "sam@example.com")
    assert fits_horizontally(phone)
    first_answer = phone.locator(".queue-answer").first
    box = first_answer.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    assert box["height"] >= 24 and box["width"] >= 24
    first_answer.click()
    expect(phone.locator("#respond-title")).to_be_visible()
    phone.go_back()
    screenshot(phone, "queue-phone")


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_home_filters_apply_on_change_with_script_and_with_show_without(new_page, board, javascript):
    page = new_page(javascript=javascript, viewport=WIDE)
    page.goto("/")
    show = page.get_by_role("button", name="Show")
    page.get_by_label("Kind").select_option("complaint")
    if javascript:
        expect(show).to_be_hidden()
    else:
        expect(page).not_to_have_url(re.compile("kind="))
        show.click()
    expect(page).to_have_url(re.compile("kind=complaint"))
    expect(page.locator(".post-card-title")).to_have_count(2)
    expect(page.get_by_label("Include done and declined")).not_to_be_checked()


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_staff_correct_an_official_answer_and_the_timeline_says_edited(new_page, board, javascript):
    page = new_page(javascript=javascript, viewport=WIDE)
    sign_in(page, "sam@example.com")
    page.goto("/roadmap")
    page.get_by_role("link", name="Planned request 14", exact=True).click()
    page.get_by_text("Edit this response").click()
    page.get_by_label("Corrected official response").fill("We will build this in the summer instead.")
    page.get_by_role("button", name="Save the correction").click()
    expect(page.locator(".flashes")).to_contain_text("The official response is corrected")
    expect(page.locator(".official-response")).to_contain_text("We will build this in the summer instead.")
    expect(page.locator(".official-response .edited")).to_be_visible()
    expect(page.locator(".timeline")).to_contain_text("Sam Staff edited the official response.")


@pytest.fixture
def customers(make_user, make_post):
    from decimal import Decimal

    from forum.models import Company, CompanyMember

    staff = make_user(Role.STAFF, name="Mia Staff", email="mia@example.com", password=PASSWORD)
    post = make_post(title="Import from Jira", body="We cannot move without our history.")
    company = Company(external_id="lumen", name="Lumen Health", plan="Enterprise", monthly_revenue=Decimal("22000"))
    db.session.add(company)
    db.session.flush()
    for name in ("Lena Park", "Leon Brandt"):
        person = make_user(name=name, email=f"{name.split()[0].lower()}@lumen.example")
        db.session.add(CompanyMember(user_id=person.id, company_id=company.id))
    db.session.commit()
    return {"staff": staff, "post": post}


@pytest.mark.parametrize("javascript", [True, False], ids=["script", "no-script"])
def test_staff_record_a_vote_on_behalf_by_company_name(new_page, customers, javascript):
    """With script the field suggests the company's contacts while staff type; without, sending the
    company's name offers its contacts as buttons. Either way the vote lands with its note."""
    page = new_page(viewport=WIDE, javascript=javascript)
    sign_in(page, "mia@example.com")
    post = customers["post"]
    page.goto(f"/posts/{post.id}-{post.slug}")
    field = page.get_by_label("Who asked (email, or a name or company to look up)")
    page.get_by_label("How much it matters to them").select_option("blocker")
    page.get_by_label("Note for the team (optional)").fill("Procurement call: no move without an importer")
    if javascript:
        field.press_sequentially("lumen")
        expect(page.locator("#on-behalf-people option")).to_have_count(2)
        assert sorted(page.locator("#on-behalf-people option").evaluate_all("os => os.map(o => o.value)")) == [
            "lena@lumen.example",
            "leon@lumen.example",
        ]
        field.fill("leon@lumen.example")
        page.get_by_role("button", name="Record the vote").click()
    else:
        field.fill("lumen")
        page.get_by_role("button", name="Record the vote").click()
        expect(page.get_by_text("Several people match “lumen”")).to_be_visible()
        page.get_by_role("button", name=re.compile("Leon Brandt")).click()
    expect(page.get_by_role("status").or_(page.locator(".flash")).first).to_contain_text(
        "Recorded a vote for Leon Brandt"
    )
    who_asked = page.locator("#who-asked")
    expect(who_asked).to_contain_text("on behalf by Mia Staff")
    expect(who_asked).to_contain_text("Procurement call: no move without an importer")
    expect(who_asked).to_contain_text("Lumen Health")
    screenshot(page, f"vote-on-behalf-{'script' if javascript else 'no-script'}")
