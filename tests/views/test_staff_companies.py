"""A person's companies beside their name: in staff views (post page, queue, member page, voters
CSV), never on a page a member or a visitor reads."""

import csv
import io

import pytest

from forum.extensions import db
from forum.models import Company, CompanyMember, Role
from forum.services import comments, votes

COMPANY = "Quuxcorp Holdings"


@pytest.fixture
def asker(make_user, make_post):
    person = make_user(name="Carla Customer")
    company = Company(external_id="quux-1", name=COMPANY, plan="Enterprise")
    db.session.add(company)
    db.session.flush()
    db.session.add(CompanyMember(user_id=person.id, company_id=company.id))
    post = make_post(person, title="Bulk export of invoices")
    commenter = make_user(name="Other Person")
    comments.add_comment(person, post, "We need this for the audit.")
    votes.add(commenter, post)
    db.session.commit()
    return person, post


def _pages(person, post):
    return [f"/posts/{post.id}-{post.slug}", f"/users/{person.id}", "/", "/search?q=invoices", "/roadmap"]


def test_staff_see_the_companies_beside_the_name(asker, make_user, login_as, client):
    person, post = asker
    login_as(make_user(Role.STAFF))
    assert f"({COMPANY})" in client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert COMPANY in client.get(f"/users/{person.id}").get_data(as_text=True)
    assert f"({COMPANY})" in client.get("/staff/queue").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/staff/export/posts/{post.id}/voters.csv")
                                           .get_data(as_text=True).lstrip("\ufeff"))))  # fmt: skip
    assert {r["display_name"]: r["companies"] for r in rows} == {"Carla Customer": COMPANY, "Other Person": ""}


@pytest.mark.parametrize("who", ["visitor", "member", "author", "moderator"])
def test_nobody_else_sees_a_company_name(asker, make_user, login_as, client, who):
    person, post = asker
    if who == "member":
        login_as(make_user())
    elif who == "author":
        login_as(person)
    elif who == "moderator":
        login_as(make_user(Role.MODERATOR))
    for url in _pages(person, post):
        response = client.get(url)
        assert response.status_code == 200, url
        assert COMPANY not in response.get_data(as_text=True), (who, url)
