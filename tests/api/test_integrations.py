"""The API's routes for the features landed beside it: votes on behalf, tags, the admins' statuses,
and members and companies by the company's own ids."""

from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, Company, CompanyMember, Identity, Role, User, Vote, VoteSource
from forum.services import statuses, tags, votes


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["data"]]


# -- votes on behalf -----------------------------------------------------------------------------
def test_a_staff_key_records_a_vote_on_behalf_by_email_or_id_and_takes_it_back(api, make_key, make_post, make_user):
    post = make_post(title="SSO for the mobile app")
    key, secret = make_key("read,staff", role=Role.STAFF, name="Help desk")
    asked = {"email": "Buyer@Example.com", "priority": "blocker", "note": "Renewal depends on it"}
    recorded = api("post", f"/posts/{post.id}/votes/on-behalf", secret, json=asked)
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["votes"] == 2 and recorded.get_json()["changed"] is True
    assert recorded.get_json()["new_account"] is True
    buyer = db.session.get(User, recorded.get_json()["user_id"])
    assert buyer.email == "buyer@example.com"
    vote = db.session.scalars(select(Vote).where(Vote.user_id == buyer.id, Vote.post_id == post.id)).one()
    assert (vote.source, vote.priority, vote.note) == (VoteSource.ON_BEHALF, "blocker", "Renewal depends on it")
    again = api("post", f"/posts/{post.id}/votes/on-behalf", secret, json={"user_id": buyer.id})
    assert again.get_json()["changed"] is False and again.get_json()["votes"] == 2

    taken = api("delete", f"/posts/{post.id}/votes/on-behalf", secret, json={"user_id": buyer.id})
    assert taken.status_code == 200 and taken.get_json()["votes"] == 1 and taken.get_json()["changed"] is True
    assert db.session.scalars(select(Vote).where(Vote.user_id == buyer.id)).first() is None
    actions = db.session.scalars(select(AuditEntry).where(AuditEntry.api_key_id == key.id)).all()
    assert [e.action for e in actions] == ["vote_on_behalf", "vote_on_behalf_removed"]


def test_a_persons_own_vote_is_not_staffs_to_take_back(api, make_key, make_post, make_user):
    voter = make_user(email="own@example.com")
    post = make_post(voter)
    _, secret = make_key("staff", role=Role.STAFF)
    refused = api("delete", f"/posts/{post.id}/votes/on-behalf", secret, json={"email": "own@example.com"})
    assert refused.status_code == 409
    assert "only they can take that vote back" in refused.get_json()["error"]["message"]
    assert db.session.scalars(select(Vote).where(Vote.user_id == voter.id)).first() is not None


def test_on_behalf_bad_input_is_422(api, make_key, make_post):
    post = make_post()
    _, secret = make_key("staff", role=Role.STAFF)
    for body in (
        {},
        {"email": "a@example.com", "user_id": 3},
        {"email": "not an address"},
        {"user_id": 999999},
        {"email": "a@example.com", "priority": "urgent"},
        {"email": "a@example.com", "note": "x" * 1001},
    ):
        refused = api("post", f"/posts/{post.id}/votes/on-behalf", secret, json=body)
        assert refused.status_code == 422, (body, refused.get_json())
    assert db.session.scalar(select(Vote.id).where(Vote.post_id == post.id, Vote.source == "on_behalf")) is None


def test_a_read_key_never_sees_notes_priorities_sources_or_companies(api, make_key, make_post, make_user):
    post = make_post(title="Audit trail export")
    staff = make_user(Role.STAFF)
    votes.record_on_behalf(staff, post, "cfo@bigco.example", priority="blocker", note="Worth 40k a year")
    company = Company(external_id="bigco", name="BigCo Secret Name", plan="enterprise", monthly_revenue=40000)
    db.session.add(company)
    db.session.flush()
    db.session.add(CompanyMember(user_id=post.author_id, company_id=company.id))
    db.session.commit()
    for scopes in ("read", "read,write"):
        _, secret = make_key(scopes, role=Role.STAFF)  # even a staff member's key: the scope decides
        for path in (f"/posts/{post.id}", "/posts", f"/posts/{post.id}/comments"):
            text = api("get", path, secret).get_data(as_text=True)
            for secret_word in ("Worth 40k", "blocker", "on_behalf", "BigCo", "enterprise", "40000", "cfo@"):
                assert secret_word not in text, (scopes, path, secret_word)


# -- tags ----------------------------------------------------------------------------------------
def test_tags_are_set_listed_and_filter_the_list(api, make_key, make_post):
    billing, other = make_post(title="Invoices in euros"), make_post(title="Dark mode")
    _, staff = make_key("read,staff", role=Role.STAFF)
    tagged = api("put", f"/posts/{billing.id}/tags", staff, json={"tags": ["Billing", "EU customers", "billing"]})
    assert tagged.status_code == 200, tagged.get_json()
    assert [(t["name"], t["slug"]) for t in tagged.get_json()["tags"]] == [
        ("Billing", "billing"),
        ("EU customers", "eu-customers"),
    ]
    _, reader = make_key("read")
    assert [t["slug"] for t in api("get", "/tags", reader).get_json()["data"]] == ["billing", "eu-customers"]
    assert ids(api("get", "/posts?tag=billing", reader)) == [billing.id]
    assert ids(api("get", "/posts?tag=billing&q=invoices", reader)) == [billing.id]
    assert other.id in ids(api("get", "/posts", reader))
    assert api("get", "/posts?tag=nope", reader).status_code == 422
    assert api("get", f"/posts/{billing.id}", reader).get_json()["tags"][0]["name"] == "Billing"

    cleared = api("put", f"/posts/{billing.id}/tags", staff, json={"tags": []})
    assert cleared.get_json()["tags"] == []
    assert ids(api("get", "/posts?tag=billing", reader)) == []
    too_many = api("put", f"/posts/{billing.id}/tags", staff, json={"tags": [f"t{i}" for i in range(11)]})
    assert too_many.status_code == 422
    too_long = api("put", f"/posts/{billing.id}/tags", staff, json={"tags": ["x" * 41]})
    assert too_long.status_code == 422 and "too long" in too_long.get_json()["error"]["message"]
    assert tags.of_post(billing) == []


# -- statuses ------------------------------------------------------------------------------------
def test_custom_statuses_are_listed_and_given(api, make_key, make_post, make_user):
    admin = make_user(Role.ADMIN)
    statuses.create_status(admin, label="Needs design", kind="review", color="purple", show_on_roadmap=True)
    db.session.commit()
    post = make_post()
    _, secret = make_key("read,staff", role=Role.STAFF)
    listed = api("get", "/statuses", secret).get_json()["data"]
    mine = next(x for x in listed if x["label"] == "Needs design")
    assert mine == {"slug": mine["slug"], "label": "Needs design", "kind": "review", "color": "purple",
                    "closed": False}  # fmt: skip
    moved = api("post", f"/posts/{post.id}/status", secret, json={"status": mine["slug"]})
    assert moved.status_code == 200 and moved.get_json()["status"] == mine["slug"]
    assert ids(api("get", f"/posts?status={mine['slug']}", secret)) == [post.id]
    assert api("post", f"/posts/{post.id}/status", secret, json={"status": "nope"}).status_code == 422


# -- members and companies -----------------------------------------------------------------------
def test_an_admin_key_upserts_companies_and_members_by_external_id(api, make_key):
    key, secret = make_key("admin", role=Role.ADMIN, name="CRM sync")
    acme = {"name": "Acme", "plan": "pro", "monthly_revenue": "1,200.50", "attributes": {"region": "EU"}}
    made = api("put", "/companies/acct-7", secret, json=acme)
    assert made.status_code == 200, made.get_json()
    assert made.get_json() | {"id": 0} == {"id": 0, "external_id": "acct-7", "name": "Acme", "plan": "pro",
                                           "monthly_revenue": "1200.50", "attributes": {"region": "EU"},
                                           "created": True}  # fmt: skip
    again = api("put", "/companies/acct-7", secret, json={"plan": "enterprise", "attributes": {"seats": 40}})
    assert again.get_json()["created"] is False and again.get_json()["name"] == "Acme"
    assert again.get_json()["attributes"] == {"region": "EU", "seats": "40"}
    company = db.session.scalars(select(Company).where(Company.external_id == "acct-7")).one()
    assert company.plan == "enterprise"

    person = api(
        "put", "/users/u-1001", secret, json={"email": "pat@acme.example", "name": "Pat", "companies": ["acct-7"]}
    )
    assert person.status_code == 200, person.get_json()
    assert person.get_json() | {"id": 0} == {"id": 0, "external_id": "u-1001", "email": "pat@acme.example",
                                             "name": "Pat", "companies": ["acct-7"], "created": True}  # fmt: skip
    renamed = api("put", "/users/u-1001", secret, json={"email": "pat@acme.example", "name": "Patricia"})
    assert renamed.get_json()["created"] is False and renamed.get_json()["companies"] == ["acct-7"]
    user = db.session.get(User, person.get_json()["id"])
    assert user.display_name == "Patricia" and user.role == Role.MEMBER
    assert db.session.scalars(select(Identity.subject).where(Identity.user_id == user.id)).all() == ["u-1001"]
    left = api("put", "/users/u-1001", secret, json={"email": "pat@acme.example", "companies": []})
    assert left.get_json()["companies"] == []

    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.api_key_id == key.id)).all()
    assert [e.action for e in entries] == ["company_upsert", "company_upsert", "user_upsert", "user_upsert",
                                           "user_upsert"]  # fmt: skip


def test_upserts_refuse_bad_input_and_team_accounts(api, make_key, make_user):
    make_user(Role.STAFF, email="agent@example.com")
    _, secret = make_key("admin", role=Role.ADMIN)
    for path, body in (
        ("/companies/acct-8", {"monthly_revenue": "lots"}),
        ("/companies/acct-8", {"attributes": {"": "x"}}),
        ("/companies/" + "x" * 201, {"name": "Long"}),
        ("/users/u-2", {"email": "nope"}),
        ("/users/u-2", {"email": "a@example.com", "companies": ["no-such-company"]}),
        ("/users/u-2", {"email": "a@example.com", "role": "admin"}),
    ):
        refused = api("put", path, secret, json=body)
        assert refused.status_code == 422, (path, body, refused.get_json())
    team = api("put", "/users/u-3", secret, json={"email": "agent@example.com"})
    assert team.status_code in (403, 409), team.get_json()
    assert db.session.scalar(select(Company.id)) is None
    assert db.session.scalars(select(Identity)).all() == []


def test_a_staff_key_may_not_upsert(api, make_key):
    _, secret = make_key("read,write,staff", role=Role.ADMIN)
    assert api("put", "/companies/acct-9", secret, json={"name": "X"}).status_code == 403
    assert db.session.scalar(select(Company.id)) is None


def test_search_narrows_by_status(api, make_key, make_post, make_user):
    planned, waiting = make_post(title="Dark mode for reports"), make_post(title="Dark mode for invoices")
    staff = make_user(Role.STAFF)
    from forum.services import responses

    responses.change_status(staff, planned, "planned", "")
    db.session.commit()
    _, secret = make_key("read")
    assert ids(api("get", "/posts?q=dark+mode&status=planned", secret)) == [planned.id]
    assert ids(api("get", "/posts?q=dark+mode&status=open", secret)) == [waiting.id]
