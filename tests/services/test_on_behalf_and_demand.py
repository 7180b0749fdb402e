"""Votes recorded on someone's behalf, placeholder accounts and their claiming, and the demand
figures (who asked, the Prioritize list) built from the vote rows."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Company, CompanyMember, Notification, Post, Priority, Status, User, Vote
from forum.permissions import Guardian
from forum.services import Refused, accounts, demand, responses, votes
from forum.services.demand import DemandFilters


@pytest.fixture
def make_company(app_ctx):
    def make(name, *, plan="Pro", revenue="1000", attributes=None, members=()):
        company = Company(
            external_id=name.lower().replace(" ", "-"),
            name=name,
            plan=plan,
            monthly_revenue=Decimal(revenue) if revenue is not None else None,
            attributes=attributes or {},
        )
        db.session.add(company)
        db.session.flush()
        for member in members:
            db.session.add(CompanyMember(user_id=member.id, company_id=company.id))
        db.session.commit()
        return company

    return make


def test_a_vote_on_behalf_of_a_new_address_makes_a_placeholder_and_tells_the_person(make_post, make_user):
    post = make_post()
    mia = make_user("staff", name="Mia")

    recorded = votes.record_on_behalf(
        mia, post, " Jane.Doe@Acme.example ", priority=Priority.BLOCKER, note="Said on the phone: blocks their rollout"
    )
    db.session.commit()

    person = recorded.person
    assert (recorded.added, recorded.new_account) == (True, True)
    assert (person.email, person.display_name, person.is_placeholder) == ("jane.doe@acme.example", "Jane Doe", True)
    vote = db.session.scalars(select(Vote).where(Vote.user_id == person.id)).one()
    assert (vote.post_id, vote.source, vote.recorded_by_id, vote.priority) == (post.id, "on_behalf", mia.id, "blocker")
    assert vote.note == "Said on the phone: blocks their rollout"
    assert db.session.get(Post, post.id).vote_count == 2
    [told] = db.session.scalars(select(Notification).where(Notification.user_id == person.id)).all()
    assert told.event == "on_behalf" and "recorded your vote" in told.summary
    assert "rollout" not in told.summary  # the note stays with the team
    [entry] = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "vote_on_behalf")).all()
    assert (entry.actor_id, entry.target_id, entry.after["user_id"]) == (mia.id, post.id, person.id)
    # Nobody signs in with a placeholder: it has no password.
    assert accounts.authenticate("jane.doe@acme.example", "") is None


def test_a_duplicate_is_a_no_op(make_post, make_user):
    post = make_post()
    staff, member = make_user("staff"), make_user()
    votes.add(member, post)
    db.session.commit()

    recorded = votes.record_on_behalf(staff, post, member.email, priority=Priority.IMPORTANT, note="Asked again")
    db.session.commit()
    again = votes.record_on_behalf(staff, post, "new@customer.example", priority=Priority.NICE)
    twice = votes.record_on_behalf(staff, post, "NEW@customer.example", priority=Priority.BLOCKER)
    db.session.commit()

    assert recorded.added is False and again.added is True and twice.added is False
    assert db.session.get(Post, post.id).vote_count == 3
    own = db.session.scalars(select(Vote).where(Vote.user_id == member.id)).one()
    assert (own.source, own.priority, own.note) == ("self", None, None)  # untouched
    placeholder = db.session.scalars(select(Vote).where(Vote.user_id == again.person.id)).one()
    assert placeholder.priority == "nice"
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 1


def test_the_person_takes_a_recorded_vote_back_as_their_own(make_post, make_user):
    post = make_post()
    member = make_user()
    votes.record_on_behalf(make_user("staff"), post, member.email, priority=Priority.NICE)
    db.session.commit()
    assert votes.remove(member, post) is True
    db.session.commit()
    assert db.session.get(Post, post.id).vote_count == 1


def test_recording_is_refused_where_the_person_could_not_vote(make_post, make_user):
    staff = make_user("staff")
    post = make_post()
    member = make_user()
    accounts.suspend(make_user("admin"), member, until=None, reason="Spam")
    db.session.commit()
    with pytest.raises(Refused, match="may not vote"):
        votes.record_on_behalf(staff, post, member.email, priority=Priority.NICE)
    db.session.rollback()
    responses.change_status(staff, post, Status.DONE)
    db.session.commit()
    with pytest.raises(Refused, match="takes no more votes"):
        votes.record_on_behalf(staff, post, "someone@customer.example", priority=Priority.NICE)
    db.session.rollback()
    assert accounts.find_by_email("someone@customer.example") is None


def test_only_staff_record_votes_on_behalf(make_post, make_user):
    post = make_post()
    for role in ("member", "moderator"):
        with pytest.raises(Exception, match="403"):
            votes.record_on_behalf(make_user(role), post, "x@customer.example", priority=Priority.NICE)
    assert Guardian(make_user("admin")).can_vote_on_behalf(post)


def test_a_placeholder_name_never_passes_for_the_team(make_post, make_user):
    post = make_post()
    recorded = votes.record_on_behalf(make_user("staff"), post, "support@customer.example", priority=Priority.NICE)
    assert recorded.person.display_name == "Customer"


# -- who asked ------------------------------------------------------------------------------
def test_who_asked_counts_each_company_once(make_post, make_user, make_company):
    post = make_post()
    staff = make_user("staff", name="Mia")
    ana, ben, cy = make_user(name="Ana"), make_user(name="Ben"), make_user(name="Cy")
    make_company(
        "Acme", plan="Enterprise", revenue="5000", attributes={"region": "EU", "seats": 40}, members=[ana, ben]
    )
    make_company("Globex", plan="Pro", revenue="800", attributes={"region": "US"}, members=[ben])
    make_company("Initech", plan="Pro", revenue="300", members=[make_user()])  # asked nothing
    for person, priority in ((ana, Priority.BLOCKER), (ben, Priority.IMPORTANT)):
        votes.record_on_behalf(staff, post, person.email, priority=priority, note="Heard at the review")
    votes.add(cy, post)
    db.session.commit()

    asked = demand.who_asked(post)

    assert asked.people == 4  # the author, Ana, Ben, Cy
    assert [(c.name, n) for c, n in asked.companies] == [("Acme", 2), ("Globex", 1)]
    assert asked.revenue == Decimal("5800")  # Acme once although two of its people asked
    assert asked.priorities == {"blocker": 1, "important": 1, "": 2}
    assert [(s.plan, s.companies, s.people, s.revenue) for s in asked.by_plan] == [
        ("Enterprise", 1, 2, Decimal("5000")),
        ("Pro", 1, 1, Decimal("800")),
    ]
    assert asked.by_attribute == {"region": [("EU", 1), ("US", 1)]}  # seats are a figure, not a group
    first = asked.voters[0]
    assert first.vote.source == "on_behalf" and first.source_label == "on behalf by Mia"
    assert {c.name for c in next(v for v in asked.voters if v.user.id == ben.id).companies} == {"Acme", "Globex"}


def test_prioritize_weighs_revenue_and_priority_and_filters_by_plan(make_post, make_user, make_company):
    staff = make_user("staff")
    small, big, nobody = make_post(title="Dark mode"), make_post(title="SAML sign-in"), make_post(title="Emoji")
    ana, ben, cy = make_user(), make_user(), make_user()
    make_company("Acme", plan="Enterprise", revenue="9000", attributes={"region": "EU"}, members=[ana])
    make_company("Globex", plan="Pro", revenue="500", attributes={"region": "US", "seats": 12}, members=[ben, cy])
    votes.record_on_behalf(staff, big, ana.email, priority=Priority.BLOCKER)
    for person in (ben, cy):
        votes.add(person, small)
    db.session.commit()
    viewer = Guardian(staff)

    rows, more = demand.prioritize(viewer, DemandFilters(sort="revenue"))
    figures = {r.post.title: (r.votes, r.companies, r.revenue, r.priority, r.blockers) for r in rows}
    assert figures == {
        "SAML sign-in": (2, 1, Decimal("9000"), 10, 1),  # the author's own vote (1) and a blocker (9)
        "Dark mode": (3, 1, Decimal("500"), 3, 0),  # two people of one company: its revenue once
        "Emoji": (1, 0, Decimal("0"), 1, 0),
    }
    assert [r.post.title for r in rows] == ["SAML sign-in", "Dark mode", "Emoji"] and not more
    by_votes = demand.prioritize(viewer, DemandFilters(sort="votes", descending=False))[0]
    assert [r.post.title for r in by_votes] == ["Emoji", "SAML sign-in", "Dark mode"]

    pro = demand.prioritize(viewer, DemandFilters(plan="Pro"))[0]
    assert [(r.post.title, r.votes, r.revenue) for r in pro] == [("Dark mode", 2, Decimal("500"))]
    seats = demand.prioritize(viewer, DemandFilters(attribute=("seats", "12")))[0]
    assert [r.post.title for r in seats] == ["Dark mode"]
    eu = demand.prioritize(viewer, DemandFilters(attribute=("region", "EU")))[0]
    assert [r.post.title for r in eu] == ["SAML sign-in"]
    assert nobody.id not in {r.post.id for r in pro}

    page_one, more = demand.prioritize(viewer, DemandFilters(sort="title", descending=False), per_page=2)
    page_two, last = demand.prioritize(viewer, DemandFilters(sort="title", descending=False), page=2, per_page=2)
    assert [r.post.title for r in page_one + page_two] == ["Dark mode", "Emoji", "SAML sign-in"]
    assert (more, last) == (True, False)
    assert demand.plans() == ["Enterprise", "Pro"]
    assert demand.attribute_choices() == [("region", "EU"), ("region", "US")]


def test_suspended_voters_do_not_count_in_demand(make_post, make_user, make_company):
    post = make_post()
    member = make_user()
    make_company("Acme", revenue="4000", members=[member])
    votes.add(member, post)
    accounts.suspend(make_user("admin"), member, until=None, reason="Spam")
    db.session.commit()
    assert demand.who_asked(post).revenue == 0
    [row] = demand.prioritize(Guardian(make_user("staff")), DemandFilters())[0]
    assert (row.votes, row.companies) == (1, 0)


def test_find_people_by_name_email_or_company(make_user, make_company):
    ana = make_user(name="Ana Lima", email="ana@acme.example")
    ben = make_user(name="Ben Ortiz", email="ben@globex.example")
    make_company("Globex Corporation", members=[ben])
    assert [c.user.id for c in demand.find_people("lima")] == [ana.id]
    assert [c.user.id for c in demand.find_people("ANA@acme")] == [ana.id]
    [contact] = demand.find_people("globex corp")
    assert contact.user.id == ben.id and [c.name for c in contact.companies] == ["Globex Corporation"]
    assert demand.find_people("%") == [] and demand.find_people("_a") == []
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
