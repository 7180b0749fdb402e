"""The admin's categories page: create, change who may see, bad input kept, every change audited."""

from forum.extensions import db
from forum.models import AuditEntry, Category, Role, Visibility


def _category(slug: str) -> Category:
    db.session.expire_all()
    return db.session.scalars(db.select(Category).where(Category.slug == slug)).one()


def test_an_admin_creates_a_restricted_category_and_it_is_audited(make_user, login_as, client, send):
    admin = login_as(make_user(Role.ADMIN))
    page = client.get("/admin/categories").get_data(as_text=True)
    assert "New category" in page and 'name="allowed_domains"' in page
    response = send("/admin/categories", {
        "name": "Partner program", "visibility": "restricted",
        "allowed_domains": "Partner.example, @eu.partner.example", "allowed_companies": "acme-1\nglobex-9",
        "allowed_plans": "Enterprise", "allowed_claims": "claim:tier=gold",
    })  # fmt: skip
    assert response.status_code == 303
    made = _category("partner-program")
    assert made.visibility == Visibility.RESTRICTED
    assert made.allowed_domains == ["partner.example", "eu.partner.example"]
    assert made.allowed_companies == ["acme-1", "globex-9"]
    assert made.allowed_plans == ["enterprise"]
    assert made.allowed_claims == ["tier=gold"]
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.target_type == "category")).one()
    assert (entry.action, entry.actor_id, entry.target_id) == ("category_create", admin.id, made.id)
    listed = client.get("/admin/categories").get_data(as_text=True)
    assert "Partner program" in listed and "Restricted" in listed and "partner.example" in listed


def test_an_admin_makes_a_category_staff_only_and_the_lists_are_dropped(make_user, login_as, send, category):
    login_as(make_user(Role.ADMIN))
    response = send("/admin/categories", {"id": str(category.id), "name": "Mobile app", "visibility": "staff",
                                          "allowed_domains": "partner.example"})  # fmt: skip
    assert response.status_code == 303
    changed = _category("mobile-app")
    assert (changed.visibility, changed.allowed_domains) == (Visibility.STAFF, [])
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "category_change")).one()
    assert entry.before["visibility"] == "public" and entry.after["visibility"] == "staff"


def test_bad_input_is_refused_with_its_reason_and_the_text_kept(make_user, login_as, send, app_ctx):
    login_as(make_user(Role.ADMIN))
    cases = [
        (
            {"name": "Partners", "visibility": "restricted", "allowed_domains": "not a domain!"},
            "is not an email domain",
        ),
        ({"name": "Partners", "visibility": "restricted", "allowed_claims": "tier"}, "is not a claim rule"),
        ({"name": "Partners", "visibility": "restricted"}, "needs at least one email domain"),
        ({"name": "Partners", "visibility": "secret"}, "Choose who may see"),
        ({"name": "", "visibility": "public"}, "Give the category a name"),
        ({"name": "Partners", "id": "99999", "visibility": "public"}, "no longer exists"),
    ]
    for data, message in cases:
        response = send("/admin/categories", data)
        body = response.get_data(as_text=True)
        assert response.status_code in (404, 422), (data, response.status_code)
        assert message in body, data
        if data["name"]:
            assert 'value="Partners"' in body, data
    assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == 0


def test_the_form_needs_its_csrf_token(make_user, login_as, client, app_ctx):
    login_as(make_user(Role.ADMIN))
    response = client.post("/admin/categories", data={"name": "Partners", "visibility": "public"})
    assert response.status_code == 400
    assert db.session.scalar(db.select(db.func.count()).select_from(Category)) == 0


def test_staff_may_not_manage_categories(make_user, login_as, client):
    login_as(make_user(Role.STAFF))
    assert client.get("/admin/categories").status_code == 403
