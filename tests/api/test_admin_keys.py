"""The admin page for API keys: made for oneself or a service account, shown once, revoked."""

import re

from sqlalchemy import select

from forum.extensions import db
from forum.models import ApiKey, AuditEntry, Role, User
from tests.conftest import csrf_token_from


def create(client, **fields):
    token = csrf_token_from(client.get("/admin/api-keys").get_data(as_text=True))
    return client.post("/admin/api-keys", data={"csrf_token": token, **fields})


def shown_key(response) -> str | None:
    found = re.search(r'value="(tbk_[^"]+)"', response.get_data(as_text=True))
    return found.group(1) if found else None


def test_an_admin_makes_a_key_for_themselves_and_sees_it_once(client, api, make_user, login_as):
    admin = login_as(make_user(Role.ADMIN))
    made = create(client, name="Help desk sync", scopes=["read", "write"], owner="me")
    assert made.status_code == 201
    secret = shown_key(made)
    assert secret is not None
    assert "Copy it now" in made.get_data(as_text=True)
    assert api("get", "/posts", secret).status_code == 200
    later = client.get("/admin/api-keys").get_data(as_text=True)
    assert secret not in later
    key = db.session.scalars(select(ApiKey)).one()
    assert f"tbk_{key.prefix}_…" in later and "Help desk sync" in later
    assert (key.user_id, key.created_by_id, key.scopes) == (admin.id, admin.id, ["read", "write"])
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "api_key_create")).one()
    assert entry.actor_id == admin.id and entry.after["prefix"] == key.prefix


def test_a_key_for_a_new_service_account_makes_the_account_with_the_role_it_needs(client, api, make_user, login_as):
    login_as(make_user(Role.ADMIN))
    made = create(client, name="Zendesk", scopes=["read", "staff"], owner="account", email="zendesk@example.com")
    assert made.status_code == 201
    service = db.session.scalars(select(User).where(User.email == "zendesk@example.com")).one()
    assert service.role == Role.STAFF
    assert api("get", "/statuses", shown_key(made)).status_code == 200


def test_a_staff_key_for_a_member_is_refused_with_the_text_kept(client, make_user, login_as):
    login_as(make_user(Role.ADMIN))
    make_user(email="customer@example.com")
    refused = create(client, name="Mistake", scopes=["staff"], owner="account", email="customer@example.com")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "is not staff" in page and 'value="Mistake"' in page
    assert shown_key(refused) is None
    assert db.session.scalars(select(ApiKey)).all() == []


def test_bad_input_is_422_with_a_message(client, make_user, login_as):
    login_as(make_user(Role.ADMIN))
    for fields, message in [
        ({"name": "", "scopes": ["read"], "owner": "me"}, "Name the key"),
        ({"name": "X", "owner": "me"}, "Choose at least one scope"),
        ({"name": "X", "scopes": ["root"], "owner": "me"}, "“root” is not a scope"),
        ({"name": "X", "scopes": ["read"], "owner": "account", "email": ""}, "Give the email"),
        ({"name": "X", "scopes": ["read"], "owner": "account", "email": "nope"}, "not an email"),
    ]:
        response = create(client, **fields)
        assert response.status_code == 422, fields
        assert message in response.get_data(as_text=True), fields
    assert db.session.scalars(select(ApiKey)).all() == []


def test_only_admins_see_the_page(client, make_user, login_as):
    assert client.get("/admin/api-keys").status_code == 302
    login_as(make_user(Role.STAFF))
    assert client.get("/admin/api-keys").status_code == 403
