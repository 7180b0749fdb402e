"""Private categories in every search backend: a post none may see is neither found, counted nor
offered as similar, and a post moved into such a category leaves the results at the next search."""

import pytest

from forum import search
from forum.extensions import db
from forum.models import AnonymousUser, Category, Company, CompanyMember, Role, Visibility
from forum.permissions import Guardian
from forum.services import moderation, similar
from tests.search.conftest import searched

SECRET = "zanzibarquux"


@pytest.fixture
def world(make_user, make_post, search_backend):
    acme = Company(external_id="acme", name="Acme", plan="Enterprise")
    globex = Company(external_id="globex", name="Globex", plan="Starter")
    restricted = Category(slug="acme-only", name="Acme only", visibility=Visibility.RESTRICTED,
                          allowed_companies=["acme"])  # fmt: skip
    db.session.add_all([acme, globex, restricted])
    db.session.commit()
    people = {
        "visitor": AnonymousUser(),
        "member": make_user(),
        "allowed": make_user(),
        "other_company": make_user(),
        "staff": make_user(Role.STAFF),
    }
    db.session.add_all([CompanyMember(user_id=people["allowed"].id, company_id=acme.id),
                        CompanyMember(user_id=people["other_company"].id, company_id=globex.id)])  # fmt: skip
    db.session.commit()
    author = make_user(Role.STAFF)
    hidden = make_post(author, title=f"Export the {SECRET} ledger to spreadsheets", cat=restricted)
    shown = make_post(author, title="Export the monthly ledger to spreadsheets")
    search.backend().add_to_index([hidden.id, shown.id])
    return people, hidden, shown, restricted


SEES = {"visitor": False, "member": False, "allowed": True, "other_company": False, "staff": True}


@pytest.mark.parametrize("who", SEES)
def test_a_restricted_post_is_found_and_counted_only_by_those_it_admits(world, who):
    people, hidden, shown, _ = world
    results = searched(SECRET, people[who])
    assert [hit.post_id for hit in results.hits] == ([hidden.id] if SEES[who] else [])
    assert int(results.total) == (1 if SEES[who] else 0)
    both = searched("ledger spreadsheets", people[who])
    assert sorted(hit.post_id for hit in both.hits) == sorted([shown.id, *([hidden.id] if SEES[who] else [])])
    assert int(both.total) == (2 if SEES[who] else 1)


@pytest.mark.parametrize("who", SEES)
def test_similar_posts_never_offer_a_post_the_writer_may_not_see(world, who):
    people, hidden, shown, _ = world
    offered = [p.id for p in similar.similar_posts(Guardian(people[who]), f"{SECRET} ledger export")]
    assert (hidden.id in offered) is SEES[who]
    assert shown.id in offered


def test_a_post_moved_into_a_restricted_category_leaves_the_results_at_once(world, make_user):
    people, _, shown, restricted = world
    assert [hit.post_id for hit in searched("monthly", people["member"]).hits] == [shown.id]
    moderation.move_post(make_user(Role.MODERATOR), shown, restricted)
    db.session.commit()  # the index may lag the move: the database decides
    assert searched("monthly", people["member"]).hits == []
    assert [hit.post_id for hit in searched("monthly", people["allowed"]).hits] == [shown.id]
