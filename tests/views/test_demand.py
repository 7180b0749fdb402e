"""Vote on behalf through the post page's staff panel, claiming a placeholder account, "Who asked"
on a post and the Prioritize page; and company names and revenue kept off every public surface."""

import csv
import io
from decimal import Decimal

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Company, CompanyMember, Post, Priority, User, Vote
from forum.services import delivery, responses, tags, votes
from tests.conftest import PASSWORD, link_in

# Words that must never reach a page, feed or email that is not for staff.
SECRET_COMPANY = "Zorblax Dynamics"
SECRET_REVENUE = "48,731"


@pytest.fixture
def scene(make_user, make_post):
    staff = make_user("staff", name="Mia")
    customer = make_user(name="Carla Customer", email="carla@zorblax.example")
    post = make_post(title="Export invoices as PDF", body="We need PDFs for our accountants.")
    company = Company(external_id="zx-1", name=SECRET_COMPANY, plan="Enterprise", monthly_revenue=Decimal("48731"),
                      attributes={"region": "EU", "seats": 250})  # fmt: skip
    db.session.add(company)
    db.session.flush()
    db.session.add(CompanyMember(user_id=customer.id, company_id=company.id))
    db.session.commit()
    return {"staff": staff, "customer": customer, "post": post, "company": company}


def _page(client, post):
    return client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)


def test_staff_record_a_vote_from_the_post_page_and_see_who_asked(scene, client, login_as, send):
    post = scene["post"]
    login_as(scene["staff"])
    page = _page(client, post)
    assert "Record a vote on someone’s behalf" in page and 'name="priority"' in page

    response = send(
        f"/posts/{post.id}/votes/on-behalf",
        {"email": "carla@zorblax.example", "priority": "blocker", "note": "Said on the phone: blocks"},
    )

    assert response.status_code == 303 and response.location.endswith("#who-asked")
    page = _page(client, post)
    assert "Recorded a vote for Carla Customer (carla@zorblax.example)" in page
    assert "on behalf by Mia" in page and "Said on the phone: blocks" in page and "Blocker" in page
    assert SECRET_COMPANY in page and SECRET_REVENUE in page  # staff see who asked
    assert db.session.get(Post, post.id).vote_count == 2


def test_a_duplicate_says_so_and_changes_nothing(scene, client, login_as, send):
    post = scene["post"]
    votes.add(scene["customer"], post)
    db.session.commit()
    login_as(scene["staff"])
    response = send(f"/posts/{post.id}/votes/on-behalf", {"email": "CARLA@zorblax.example", "priority": "important"})
    assert response.status_code == 303
    assert "has already voted for this post: nothing changed" in _page(client, post)
    vote = db.session.scalars(select(Vote).where(Vote.user_id == scene["customer"].id)).one()
    assert (vote.source, vote.priority) == ("self", None)
    assert db.session.get(Post, post.id).vote_count == 2


def test_a_name_or_company_is_looked_up_without_javascript(scene, make_user, client, login_as, send):
    post = scene["post"]
    make_user(name="Carl Other", email="carl@other.example")
    login_as(scene["staff"])

    several = send(f"/posts/{post.id}/votes/on-behalf", {"email": "carl", "priority": "nice"})
    assert several.status_code == 422
    page = several.get_data(as_text=True)
    assert "Several people match “carl”" in page
    assert 'name="pick" value="carla@zorblax.example"' in page and 'name="pick" value="carl@other.example"' in page
    assert 'value="carl"' in page  # what staff typed stays in the field

    picked = send(
        f"/posts/{post.id}/votes/on-behalf", {"email": "carl", "pick": "carl@other.example", "priority": "nice"}
    )
    assert picked.status_code == 303
    by_company = send(f"/posts/{post.id}/votes/on-behalf", {"email": "zorblax", "priority": "nice"})
    assert by_company.status_code == 303
    voters = set(db.session.scalars(select(User.email).join(Vote, Vote.user_id == User.id)))
    assert {"carl@other.example", "carla@zorblax.example"} <= voters

    nobody = send(f"/posts/{post.id}/votes/on-behalf", {"email": "Nobody Known", "priority": "nice", "note": "Kept"})
    assert nobody.status_code == 422
    text = nobody.get_data(as_text=True)
    assert "Nobody matches “Nobody Known”" in text and "Kept</textarea>" in text


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "bob@", "priority": "nice"}, "Enter a valid email address"),
        ({"email": "", "priority": "nice"}, "Give the person&#39;s email address"),
        ({"email": "bob@customer.example", "priority": "urgent!"}, "Choose one of the listed priorities."),
        ({"email": "bob@customer.example", "priority": "nice", "note": "x" * 1001}, "Keep the note to 1,000"),
    ],
)
def test_bad_input_is_explained_and_kept(scene, client, login_as, send, fields, message):
    post = scene["post"]
    login_as(scene["staff"])
    response = send(f"/posts/{post.id}/votes/on-behalf", fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if fields["email"]:
        assert f'value="{fields["email"]}"' in page
    assert db.session.get(Post, post.id).vote_count == 1


def test_a_closed_post_refuses_with_a_message(scene, client, login_as, send):
    post = scene["post"]
    responses.change_status(scene["staff"], post, "declined")
    db.session.commit()
    login_as(scene["staff"])
    response = send(f"/posts/{post.id}/votes/on-behalf", {"email": "new@customer.example", "priority": "nice"})
    assert response.status_code == 409
    assert "takes no more votes" in response.get_data(as_text=True)
    assert db.session.scalars(select(User).where(User.email == "new@customer.example")).first() is None


def test_the_person_is_emailed_and_claims_the_placeholder_by_signing_up(scene, app, client, login_as, send, outbox):
    post = scene["post"]
    login_as(scene["staff"])
    send(
        f"/posts/{post.id}/votes/on-behalf",
        {"email": "dana@newco.example", "name": "Dana", "priority": "important", "note": f"{SECRET_COMPANY} rollout"},
    )
    delivery.deliver_pending()
    [told] = outbox()
    assert told["To"] == "dana@newco.example"
    body = told.get_body(preferencelist=("plain",)).get_content()
    assert "recorded your vote" in body and "/reset" in body
    assert SECRET_COMPANY not in told.as_string() and "rollout" not in told.as_string()
    send("/logout")
    assert send("/login", {"email": "dana@newco.example", "password": ""}).status_code == 422

    # Signing up with the address, even where sign-up is immediate, goes through the mailed link.
    app.config["SIGNUP_EMAIL_LINK"] = False
    try:
        response = send("/signup", {"display_name": "Dana Diaz", "email": "Dana@NewCo.example", "password": PASSWORD})
    finally:
        app.config["SIGNUP_EMAIL_LINK"] = True
    assert response.headers["Location"] == "/signup/sent"
    assert db.session.scalars(select(User).where(User.email == "dana@newco.example")).one().is_placeholder
    link = link_in(outbox()[-1], "/signup/confirm/")
    assert "Create my account" in client.get(link).get_data(as_text=True)
    assert send(link).status_code == 303

    dana = db.session.scalars(select(User).where(User.email == "dana@newco.example")).one()
    assert (dana.is_placeholder, dana.display_name) == (False, "Dana Diaz")
    assert db.session.scalars(select(Vote.post_id).where(Vote.user_id == dana.id)).all() == [post.id]
    # Signed in: they take the vote back as their own.
    assert send(f"/posts/{post.id}/unvote").status_code == 303
    assert db.session.get(Post, post.id).vote_count == 1


def test_a_placeholder_is_claimed_by_a_password_reset(scene, client, login_as, send, outbox):
    post = scene["post"]
    votes.record_on_behalf(scene["staff"], post, "eli@newco.example", priority=Priority.NICE)
    db.session.commit()
    send("/reset", {"email": "eli@newco.example"})
    link = link_in(outbox()[-1], "/reset/")
    assert send(link, {"password": "a brand new password"}).status_code == 303
    eli = db.session.scalars(select(User).where(User.email == "eli@newco.example")).one()
    assert eli.is_placeholder is False
    send("/logout")
    assert send("/login", {"email": "eli@newco.example", "password": "a brand new password"}).status_code == 303


def test_members_and_visitors_never_see_companies_or_revenue(scene, make_user, client, login_as, send):
    """The company's name and revenue appear for staff only: not on the post, the lists, search,
    the roadmap, feeds, the sitemap, the customer's own pages or their notifications."""
    post, customer = scene["post"], scene["customer"]
    votes.record_on_behalf(scene["staff"], post, customer.email, priority=Priority.BLOCKER, note=SECRET_COMPANY)
    db.session.commit()
    urls = [f"/posts/{post.id}-{post.slug}", "/", "/?sort=top", "/search?q=invoices", "/roadmap", "/feed.atom",
            f"/posts/{post.id}/feed.atom", "/changelog", "/changelog.atom", "/responsiveness", "/sitemap.xml",
            f"/users/{customer.id}", "/posts/similar?title=Export+invoices"]  # fmt: skip
    for viewer in (None, make_user(), customer):
        if viewer is not None:
            login_as(viewer)
        for url in urls + (["/notifications", "/following", "/account"] if viewer else []):
            response = client.get(url)
            text = response.get_data(as_text=True)
            assert response.status_code == 200, url
            assert SECRET_COMPANY not in text and SECRET_REVENUE not in text and "48731" not in text, url
            assert "Who asked" not in text and "on behalf by" not in text, url
        for staff_only in ("/staff/prioritize", "/staff/prioritize.csv", f"/staff/export/posts/{post.id}/voters.csv",
                           "/staff/people?q=carla"):  # fmt: skip
            assert client.get(staff_only).status_code == (403 if viewer else 302), staff_only
    login_as(scene["staff"])
    assert SECRET_COMPANY in _page(client, post)


def test_the_voters_csv_names_each_votes_source(scene, make_user, client, login_as):
    post = scene["post"]
    votes.record_on_behalf(scene["staff"], post, scene["customer"].email, priority=Priority.IMPORTANT, note="Call")
    db.session.add(Vote(user_id=make_user(name="Imported").id, post_id=post.id, source="import"))
    db.session.commit()
    login_as(scene["staff"])
    text = client.get(f"/staff/export/posts/{post.id}/voters.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = {row["display_name"]: row for row in csv.DictReader(io.StringIO(text))}
    carla = rows["Carla Customer"]
    assert (carla["source"], carla["recorded_by"], carla["priority"], carla["note"]) == (
        "on_behalf",
        "Mia",
        "important",
        "Call",
    )
    assert carla["companies"] == SECRET_COMPANY
    assert rows["Imported"]["source"] == "import"
    assert next(row for name, row in rows.items() if name not in ("Carla Customer", "Imported"))["source"] == "self"


def test_the_prioritize_page_sorts_filters_pages_and_exports(scene, make_user, make_post, client, login_as, send):
    post = scene["post"]
    other = make_post(title="Dark mode for the dashboard")
    for _ in range(3):
        votes.add(make_user(), other)
    votes.record_on_behalf(scene["staff"], post, scene["customer"].email, priority=Priority.BLOCKER)
    db.session.commit()
    login_as(scene["staff"])

    page = client.get("/staff/prioritize").get_data(as_text=True)
    assert 'href="/staff/prioritize"' in page  # the staff bar links it
    # By priority (the default): the blocker (1 + 9) before four plain votes.
    assert page.index("Export invoices as PDF") < page.index("Dark mode for the dashboard")
    assert SECRET_REVENUE in page
    by_votes = client.get("/staff/prioritize?sort=votes&dir=desc").get_data(as_text=True)
    assert by_votes.index("Dark mode for the dashboard") < by_votes.index("Export invoices as PDF")
    assert "/staff/prioritize?sort=votes&amp;dir=asc" in by_votes  # the sorted column's link turns it round

    enterprise = client.get("/staff/prioritize?plan=Enterprise").get_data(as_text=True)
    assert "Export invoices as PDF" in enterprise and "Dark mode for the dashboard" not in enterprise
    eu = client.get("/staff/prioritize?attr=region:EU").get_data(as_text=True)
    assert "Export invoices as PDF" in eu and "Dark mode for the dashboard" not in eu
    category = client.get("/staff/prioritize?category=mobile-app&status=open").get_data(as_text=True)
    assert "Export invoices as PDF" in category and "Dark mode for the dashboard" in category
    assert "Dark mode" not in client.get("/staff/prioritize?status=planned").get_data(as_text=True)
    tags.set_tags(scene["staff"], other, ["Design"])
    db.session.commit()
    design = client.get("/staff/prioritize?tag=design").get_data(as_text=True)
    assert "Dark mode for the dashboard" in design and "Export invoices as PDF" not in design
    assert "/staff/prioritize?sort=votes&amp;dir=desc&amp;tag=design" in design  # the sort links keep the tag
    tagged = client.get("/staff/prioritize.csv?tag=design").get_data(as_text=True)
    assert "Dark mode for the dashboard" in tagged and "Export invoices as PDF" not in tagged

    for bad in (
        "plan=Nope",
        "attr=region:Mars",
        "sort=evil",
        "dir=sideways",
        "status=nope",
        "category=nope",
        "page=0",
        "tag=nope",
    ):
        response = client.get(f"/staff/prioritize?{bad}")
        assert response.status_code == 400, bad
        assert "Export invoices as PDF" in response.get_data(as_text=True), bad  # the list still shows

    text = client.get("/staff/prioritize.csv?plan=Enterprise").get_data(as_text=True).lstrip("\ufeff")
    [row] = list(csv.DictReader(io.StringIO(text)))
    assert (row["title"], row["votes"], row["companies"], row["priority"], row["blockers"]) == (
        "Export invoices as PDF", "1", "1", "9", "1")  # fmt: skip
    assert Decimal(row["monthly_revenue"]) == Decimal("48731")
    assert client.get("/staff/prioritize.csv?plan=Nope").status_code == 400


def test_the_prioritize_page_has_pages(make_user, make_post, client, login_as):
    for n in range(27):
        make_post(title=f"Request {n:02d}")
    login_as(make_user("staff"))
    first = client.get("/staff/prioritize?sort=title&dir=asc").get_data(as_text=True)
    assert "Request 00" in first and "Request 25" not in first and 'rel="next"' in first
    second = client.get("/staff/prioritize?sort=title&dir=asc&page=2").get_data(as_text=True)
    assert "Request 25" in second and "Request 26" in second and "Request 00" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_people_suggestions_for_the_form(scene, client, login_as):
    login_as(scene["staff"])
    assert client.get("/staff/people?q=zorblax").get_json() == [
        {"name": "Carla Customer", "email": "carla@zorblax.example", "companies": [SECRET_COMPANY]}
    ]
    assert client.get("/staff/people?q=%00%25").get_json() == []
