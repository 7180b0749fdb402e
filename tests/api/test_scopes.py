"""Every API route against every kind of key, like the role × action table of the pages:
no key and a revoked key get 401, a key without the route's scope 403 and nothing changes, a key
with it gets its answer. Each key belongs to an admin, so only the scope decides here; what the
person may do is the Guardian's, tested in tests/api/test_api.py."""

from dataclasses import dataclass

import pytest
from sqlalchemy import text

from forum.extensions import db
from forum.models import Role
from forum.services import api_keys
from tests.conftest import TABLES

KEYS = ["none", "read", "write", "staff", "admin", "revoked"]


@dataclass(frozen=True)
class Route:
    scope: str
    method: str
    path: str  # {post} and {other}: two public posts
    body: dict | None = None
    ok: int = 200


ROUTES = {
    "list posts": Route("read", "get", "/posts"),
    "read a post": Route("read", "get", "/posts/{post}"),
    "list comments": Route("read", "get", "/posts/{post}/comments"),
    "create a post": Route("write", "post", "/posts",
                           {"kind": "idea", "title": "From the help desk", "body": "Asked by a customer.",
                            "category": "mobile-app"}, 201),
    "comment": Route("write", "post", "/posts/{post}/comments", {"body": "Same here."}, 201),
    "vote": Route("write", "post", "/posts/{other}/votes"),
    "take a vote back": Route("write", "delete", "/posts/{post}/votes"),
    "change status": Route("staff", "post", "/posts/{post}/status", {"status": "planned"}),
    "answer officially": Route("staff", "post", "/posts/{post}/response", {"body": "On our list."}, 201),
    "merge": Route("staff", "post", "/posts/{post}/merge", {"into": "{other}"}),
    "categories": Route("staff", "get", "/categories"),
    "statuses": Route("staff", "get", "/statuses"),
    "changelog": Route("staff", "get", "/changelog"),
}  # fmt: skip


@pytest.fixture
def world(make_user, make_post):
    admin = make_user(Role.ADMIN)
    post = make_post(admin, title="Offline mode")  # the admin's own vote, for "take a vote back"
    other = make_post(title="Work offline on the train")
    keys = {}
    for scope in ("read", "write", "staff", "admin"):
        keys[scope] = api_keys.create_key(None, admin, f"Only {scope}", [scope])[1]
    revoked, keys["revoked"] = api_keys.create_key(None, admin, "Old", ["read", "write", "staff", "admin"])
    api_keys.revoke(admin, revoked)
    db.session.commit()
    return {"post": post.id, "other": other.id, "keys": keys}


def snapshot() -> dict:
    db.session.rollback()
    return {
        table: db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()
        for table in TABLES
        if table != "api_keys"
    }  # fmt: skip  (a key's last use is written whatever the answer)


@pytest.mark.parametrize("key", KEYS)
@pytest.mark.parametrize("name", list(ROUTES))
def test_key_can_or_cannot(api, world, name, key):
    route = ROUTES[name]
    path = route.path.format(post=world["post"], other=world["other"])
    body = route.body
    if body and body.get("into") == "{other}":
        body = {"into": world["other"]}
    before = snapshot()
    response = api(route.method, path, world["keys"].get(key), json=body)
    after = snapshot()
    changed = [table for table in before if before[table] != after[table]]
    if key == route.scope:
        assert response.status_code == route.ok, f"{key} {name}: {response.status_code} {response.get_json()}"
        if route.method != "get":
            assert changed, f"{key} {name} changed nothing"
        return
    expected = 401 if key in ("none", "revoked") else 403
    assert response.status_code == expected, f"{key} {name}: {response.status_code} {response.get_json()}"
    assert response.get_json()["error"]["code"] in {"unauthorized", "invalid_key", "insufficient_scope"}
    assert not changed, f"{key} {name} changed {changed}"


def test_the_table_covers_every_api_route(app):
    covered = {(r.method.upper(), "/api/v1" + r.path.replace("{post}", "<int:post_id>").replace("{other}",
               "<int:post_id>")) for r in ROUTES.values()}  # fmt: skip
    routes = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.endpoint != "api.openapi"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == covered
