"""The one visibility rule: `Guardian.can_see_post` and `visible_posts` answer alike, for every kind
of person, category and post state."""

import pytest

from forum.extensions import db
from forum.models import AnonymousUser, Category, Company, CompanyMember, Post, Role, Visibility, utcnow
from forum.permissions import Guardian
from forum.visibility import visible_posts


@pytest.fixture
def people(make_user):
    acme = Company(external_id="acme-1", name="Acme", plan="Enterprise")
    globex = Company(external_id="globex-1", name="Globex", plan="Starter")
    db.session.add_all([acme, globex])
    db.session.flush()
    found = {
        "visitor": AnonymousUser(),
        "member": make_user(),
        "by_domain": make_user(email="ann@partner.example"),
        "by_company": make_user(),
        "by_plan": make_user(),
        "by_claim": make_user(),
        "other_company": make_user(),
        "moderator": make_user(Role.MODERATOR),
        "staff": make_user(Role.STAFF),
        "admin": make_user(Role.ADMIN),
    }
    plan_only = Company(external_id="initech-1", name="Initech", plan="enterprise")
    db.session.add(plan_only)
    db.session.flush()
    db.session.add_all(
        [
            CompanyMember(user_id=found["by_company"].id, company_id=acme.id),
            CompanyMember(user_id=found["by_plan"].id, company_id=plan_only.id),
            CompanyMember(user_id=found["other_company"].id, company_id=globex.id),
        ]
    )
    found["by_claim"].sso_claims = {"tier": "gold", "regions": ["eu", "us"]}
    db.session.commit()
    return found


@pytest.fixture
def categories(app_ctx):
    made = {
        "public": Category(slug="open", name="Open"),
        "members": Category(slug="members", name="Members", visibility=Visibility.MEMBERS),
        "staff": Category(slug="internal", name="Internal", visibility=Visibility.STAFF),
        "by_domain": Category(
            slug="partners", name="Partners", visibility=Visibility.RESTRICTED, allowed_domains=["partner.example"]
        ),
        "by_company": Category(
            slug="acme", name="Acme", visibility=Visibility.RESTRICTED, allowed_companies=["acme-1"]
        ),
        "by_plan": Category(
            slug="enterprise", name="Enterprise", visibility=Visibility.RESTRICTED, allowed_plans=["Enterprise"]
        ),
        "by_claim": Category(slug="gold", name="Gold", visibility=Visibility.RESTRICTED, allowed_claims=["tier=gold"]),
        "by_list_claim": Category(
            slug="eu", name="EU", visibility=Visibility.RESTRICTED, allowed_claims=["regions=eu"]
        ),
        "nobody": Category(slug="empty", name="Empty", visibility=Visibility.RESTRICTED),
    }
    db.session.add_all(made.values())
    db.session.commit()
    return made


# Who sees a plain post in each category; everyone else does not.
SEES = {
    "public": {"visitor", "member", "by_domain", "by_company", "by_plan", "by_claim", "other_company",
               "moderator", "staff", "admin"},
    "members": {"member", "by_domain", "by_company", "by_plan", "by_claim", "other_company", "moderator",
                "staff", "admin"},
    "staff": {"staff", "admin"},
    "by_domain": {"by_domain", "moderator", "staff", "admin"},
    "by_company": {"by_company", "moderator", "staff", "admin"},
    "by_plan": {"by_company", "by_plan", "moderator", "staff", "admin"},  # Acme's plan is Enterprise too
    "by_claim": {"by_claim", "moderator", "staff", "admin"},
    "by_list_claim": {"by_claim", "moderator", "staff", "admin"},
    "nobody": {"moderator", "staff", "admin"},
}  # fmt: skip


def _sql_sees(user, post: Post) -> bool:
    return db.session.scalar(db.select(Post.id).where(Post.id == post.id, visible_posts(Guardian(user)))) is not None


def test_each_person_sees_the_categories_that_admit_them(people, categories, make_post, make_user):
    author = make_user(Role.STAFF)
    posts = {name: make_post(author, cat=category) for name, category in categories.items()}
    for category_name, post in posts.items():
        for who, user in people.items():
            expected = who in SEES[category_name]
            assert Guardian(user).can_see_post(post) is expected, (who, category_name)
            assert _sql_sees(user, post) is expected, (who, category_name)
            assert Guardian(user).can_see_category(categories[category_name]) is expected, (who, category_name)


def test_hidden_deleted_and_own_posts_follow_the_same_rule_in_sql(people, categories, make_post, make_user):
    author = people["by_company"]
    outsider = people["other_company"]
    own_hidden = make_post(author)
    own_hidden.is_hidden = True
    own_deleted = make_post(author)
    own_deleted.deleted_at = utcnow()
    # The category binds its author too: a post moved where its author may not look leaves their sight.
    moved_away = make_post(author, cat=categories["by_domain"])
    db.session.commit()
    cases = [
        (author, own_hidden, True),
        (outsider, own_hidden, False),
        (people["visitor"], own_hidden, False),
        (people["moderator"], own_hidden, True),
        (author, own_deleted, False),
        (people["moderator"], own_deleted, True),
        (author, moved_away, False),
        (people["by_domain"], moved_away, True),
    ]
    for user, post, expected in cases:
        assert Guardian(user).can_see_post(post) is expected, (user, post)
        assert _sql_sees(user, post) is expected, (user, post)


def test_a_category_made_private_hides_its_posts_at_the_next_question(people, categories, make_post, make_user):
    post = make_post(make_user(Role.STAFF), cat=categories["public"])
    assert Guardian(people["visitor"]).can_see_post(post)
    categories["public"].visibility = Visibility.STAFF
    db.session.commit()
    assert not Guardian(people["visitor"]).can_see_post(post)
    assert not _sql_sees(people["member"], post)
