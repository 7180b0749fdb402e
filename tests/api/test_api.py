"""The API as another system uses it: keys, pagination, visibility, errors, audit, no cookies."""

import hashlib

import pytest
from sqlalchemy import func, select, text

from forum import create_app
from forum.extensions import db, limiter
from forum.models import ApiKey, AuditEntry, Comment, Post, Role, Status, User, Vote
from forum.services import comments, merges, moderation, posts, responses, votes
from tests.conftest import IsolatedClient, csrf_token_from


def ids(response) -> list[int]:
    return [item["id"] for item in response.get_json()["data"]]


# -- keys -----------------------------------------------------------------------------------
def test_a_key_is_stored_only_as_a_digest(make_key):
    key, secret = make_key("read,write")
    rows = db.session.execute(text("SELECT * FROM api_keys")).all()
    stored = " ".join(str(value) for row in rows for value in row)
    assert secret.startswith(f"tbk_{key.prefix}_")
    assert secret.split("_", 2)[2] not in stored
    assert hashlib.sha256(secret.encode()).hexdigest() not in stored  # an HMAC under SECRET_KEY, not a bare hash
    assert key.scopes == ["read", "write"]


@pytest.mark.parametrize(
    "header",
    [None, "Bearer", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer tbk_00000000_wrong", "bearer  "],
)
def test_without_a_valid_key_the_api_answers_401(api, make_key, header):
    make_key("read")
    headers = {"Authorization": header} if header else {}
    response = api("get", "/posts", headers=headers)
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] in {"unauthorized", "invalid_key"}
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_secret_with_a_real_prefix_is_refused(api, make_key):
    _, secret = make_key("read")
    assert api("get", "/posts", secret).status_code == 200
    assert api("get", "/posts", secret[:-2] + "xx").status_code == 401


def test_revoking_in_the_admin_page_stops_the_key_at_the_next_request(client, api, make_key, make_user, login_as):
    admin = make_user(Role.ADMIN)
    key, secret = make_key("read")
    assert api("get", "/posts", secret).status_code == 200
    login_as(admin)
    page = client.get("/admin/api-keys")
    assert f"tbk_{key.prefix}_…" in page.get_data(as_text=True)
    token = csrf_token_from(page.get_data(as_text=True))
    assert client.post(f"/admin/api-keys/{key.id}/revoke", data={"csrf_token": token}).status_code == 303
    refused = api("get", "/posts", secret)
    assert refused.status_code == 401
    assert refused.get_json()["error"]["code"] == "invalid_key"
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).revoked_at is not None


def test_last_use_is_remembered(api, make_key):
    key, secret = make_key("read")
    assert key.last_used_at is None
    api("get", "/posts", secret)
    db.session.expire_all()
    assert db.session.get(ApiKey, key.id).last_used_at is not None


def test_a_key_cannot_outreach_its_person(make_key):
    from forum.services import Refused

    with pytest.raises(Refused, match="not staff"):
        make_key("read,staff", role=Role.MEMBER)
    with pytest.raises(Refused, match="not an admin"):
        make_key("admin", role=Role.STAFF)


def test_a_staff_key_of_someone_no_longer_staff_is_refused_by_the_guardian(api, make_key, make_post):
    post = make_post()
    key, secret = make_key("read,staff", role=Role.STAFF)
    owner = db.session.get(User, key.user_id)
    owner.role = Role.MEMBER
    db.session.commit()
    response = api("post", f"/posts/{post.id}/status", secret, json={"status": "planned"})
    assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(Post, post.id).status == Status.OPEN


# -- cookies and CSRF ----------------------------------------------------------------------
def test_the_api_ignores_a_signed_in_browser_and_sets_no_cookie(client, api, make_user, login_as, make_key):
    login_as(make_user(Role.ADMIN))
    assert client.get("/").status_code == 200  # the session works on the site
    response = api("get", "/posts")
    assert response.status_code == 401  # the cookie is not a key
    _, secret = make_key("read,write")
    answered = api("post", "/posts", secret, json={"kind": "idea", "title": "t", "body": "b", "category": "nope"})
    assert answered.status_code == 422  # no CSRF token asked for
    for reply in (response, answered, api("get", "/posts", secret)):
        assert "Set-Cookie" not in reply.headers
        assert reply.headers["Cache-Control"] == "no-store"


# -- posts: pagination, filters ---------------------------------------------------------------
@pytest.mark.parametrize("sort", ["new", "top", "trending", "active"])
def test_walking_the_cursor_meets_every_post_once_while_posts_are_added(api, make_key, make_post, make_user, sort):
    author = make_user()
    originals = {make_post(author, title=f"Original {n}").id for n in range(23)}
    for post_id in sorted(originals)[:5]:  # a few with more votes, so `top` has ties and steps
        votes.add(make_user(), db.session.get(Post, post_id))
    db.session.commit()
    _, secret = make_key("read")
    seen: list[int] = []
    cursor, pages = None, 0
    while True:
        query = f"/posts?sort={sort}&limit=4" + (f"&cursor={cursor}" if cursor else "")
        response = api("get", query, secret)
        assert response.status_code == 200, response.get_json()
        seen += ids(response)
        make_post(author, title=f"Added during the walk {pages}")  # lands ahead of the cursor
        pages += 1
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            break
        assert pages < 50
    assert len(seen) == len(set(seen))
    assert originals <= set(seen)


def test_filters_narrow_the_list(api, make_key, make_post, make_user, category):
    from forum.models import Category, Kind

    other = Category(slug="billing", name="Billing")
    db.session.add(other)
    db.session.commit()
    idea = make_post(title="Export to CSV", kind=Kind.IDEA)
    complaint = make_post(title="Invoices are wrong", kind=Kind.COMPLAINT, cat=other)
    responses.change_status(make_user(Role.STAFF), idea, Status.PLANNED)
    db.session.commit()
    _, secret = make_key("read")
    assert ids(api("get", "/posts?kind=complaint", secret)) == [complaint.id]
    assert ids(api("get", "/posts?category=billing", secret)) == [complaint.id]
    assert ids(api("get", "/posts?status=planned", secret)) == [idea.id]
    for bad in ("category=nope", "status=nope", "kind=nope", "sort=nope", "limit=0", "limit=101", "cursor=xyz",
                "unknown=1"):  # fmt: skip
        refused = api("get", f"/posts?{bad}", secret)
        assert refused.status_code == 422, bad
        assert set(refused.get_json()["error"]) == {"code", "message"}


def test_search_through_q(api, make_key, make_post):
    wanted = make_post(title="Dark mode for the dashboard")
    make_post(title="Faster exports")
    _, secret = make_key("read")
    assert ids(api("get", "/posts?q=dark+mode", secret)) == [wanted.id]


# -- visibility ------------------------------------------------------------------------------
@pytest.fixture
def hidden_world(make_post, make_user):
    admin = make_user(Role.ADMIN)
    author = make_user()
    world = {
        "public": make_post(author, title="Public one"),
        "hidden": make_post(author, title="Hidden one"),
        "deleted": make_post(author, title="Deleted one"),
        "duplicate": make_post(title="Duplicate one"),
        "original": make_post(title="Original one"),
    }
    moderation.toggle_post(admin, world["hidden"], "hide")
    posts.delete_post(admin, world["deleted"])
    merges.merge_posts(admin, world["duplicate"], world["original"])
    moderation.add_note(admin, world["public"], "Staff-only: enterprise customer asking.")
    shown = comments.add_comment(author, world["public"], "A visible comment.")
    gone = comments.add_comment(author, world["public"], "A comment later hidden.")
    moderation.hide_comment(admin, gone)
    db.session.commit()
    return world, author, shown, gone


def test_hidden_deleted_merged_and_staff_only_content_never_appears(api, make_key, hidden_world):
    world, _, shown, _gone = hidden_world
    _, secret = make_key("read")
    listed = ids(api("get", "/posts", secret))
    assert sorted(listed) == sorted([world["public"].id, world["original"].id])
    for name in ("hidden", "deleted"):
        response = api("get", f"/posts/{world[name].id}", secret)
        assert response.status_code == 404, name
        assert response.get_json()["error"]["code"] == "not_found"
        assert api("get", f"/posts/{world[name].id}/comments", secret).status_code == 404
    # A duplicate is answered as its original.
    merged = api("get", f"/posts/{world['duplicate'].id}", secret).get_json()
    assert merged["id"] == world["original"].id
    assert merged["merged_from"] == [world["duplicate"].id]
    detail = api("get", f"/posts/{world['public'].id}", secret).get_data(as_text=True)
    assert "enterprise customer" not in detail
    thread = api("get", f"/posts/{world['public'].id}/comments", secret).get_json()["data"]
    assert [c["id"] for c in thread] == [shown.id]
    assert api("get", "/posts?q=hidden", secret).get_json()["data"] == []
    assert set(ids(api("get", "/posts?q=one", secret))) == {world["public"].id, world["original"].id}


def test_a_moderators_key_lists_only_public_posts_but_reads_a_hidden_one(api, make_key, hidden_world):
    world, author, _, _ = hidden_world
    _, secret = make_key("read", role=Role.MODERATOR)
    assert world["hidden"].id not in ids(api("get", "/posts", secret))
    assert api("get", f"/posts/{world['hidden'].id}", secret).status_code == 200
    # The author of a hidden post reads it too, as on the site.
    _, own = make_key("read", user=author)
    assert api("get", f"/posts/{world['hidden'].id}", own).status_code == 200


def test_votes_and_comments_on_what_the_key_may_not_see_are_404(api, make_key, hidden_world):
    world, _, _, _ = hidden_world
    _, secret = make_key("read,write")
    before = db.session.scalar(select(func.count()).select_from(Vote))
    for name in ("hidden", "deleted"):
        assert api("post", f"/posts/{world[name].id}/votes", secret).status_code == 404
        assert api("post", f"/posts/{world[name].id}/comments", secret, json={"body": "hi"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Vote)) == before


# -- writing -----------------------------------------------------------------------------------
def test_create_vote_and_take_back(api, make_key, category):
    key, secret = make_key("read,write")
    created = api("post", "/posts", secret, json={"kind": "complaint", "title": "  Login   loops ", "body": "Again.",
                                                  "category": "mobile-app"})  # fmt: skip
    assert created.status_code == 201
    post = created.get_json()
    assert (post["title"], post["votes"], post["status"]) == ("Login loops", 1, "open")
    assert created.headers["Location"].endswith(f"/api/v1/posts/{post['id']}")
    row = db.session.get(Post, post["id"])
    assert row.author_id == key.user_id
    assert api("delete", f"/posts/{post['id']}/votes", secret).get_json() == {"votes": 0, "voted": False}
    assert api("delete", f"/posts/{post['id']}/votes", secret).get_json() == {"votes": 0, "voted": False}
    assert api("post", f"/posts/{post['id']}/votes", secret).get_json() == {"votes": 1, "voted": True}
    assert api("post", f"/posts/{post['id']}/votes", secret).get_json() == {"votes": 1, "voted": True}
    reply_to = api("post", f"/posts/{post['id']}/comments", secret, json={"body": "More detail."}).get_json()
    reply = api(
        "post", f"/posts/{post['id']}/comments", secret, json={"body": "And more.", "parent_id": reply_to["id"]}
    )
    assert reply.status_code == 201
    assert reply.get_json()["parent_id"] == reply_to["id"]
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 2


@pytest.mark.parametrize(
    "body",
    [{}, {"kind": "idea"}, {"kind": "bug", "title": "t", "body": "b", "category": "mobile-app"},
     {"kind": "idea", "title": "\u200b", "body": "b", "category": "mobile-app"},
     {"kind": "idea", "title": "t", "body": "   ", "category": "mobile-app"},
     {"kind": "idea", "title": "t" * 500, "body": "b", "category": "mobile-app"},
     {"kind": "idea", "title": "t", "body": "b", "category": "mobile-app", "extra": 1}],
)  # fmt: skip
def test_bad_posts_are_422_and_change_nothing(api, make_key, category, body):
    _, secret = make_key("write")
    response = api("post", "/posts", secret, json=body)
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "invalid_request"
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


@pytest.mark.parametrize("raw", ["{bad", "[]", "0", '"x"'])
def test_a_body_that_is_no_json_object_is_400(api, make_key, category, raw):
    _, secret = make_key("write")
    response = api("post", "/posts", secret, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert set(response.get_json()["error"]) == {"code", "message"}


def test_unknown_routes_ids_and_methods(api, make_key):
    _, secret = make_key("read")
    assert api("get", "/nowhere", secret).get_json()["error"]["code"] == "not_found"
    assert api("get", f"/posts/{2**31}", secret).status_code == 404
    assert api("get", "/posts/999", secret).status_code == 404
    wrong = api("put", "/posts", secret)
    assert wrong.status_code == 405
    assert wrong.get_json()["error"]["code"] == "method_not_allowed"
    assert "POST" in wrong.headers["Allow"]


# -- staff --------------------------------------------------------------------------------------
def test_staff_key_answers_moves_and_merges_and_the_audit_log_names_the_key(api, make_key, make_post, client,
                                                                           login_as):  # fmt: skip
    post, original = make_post(title="Slow search"), make_post(title="Search is slow")
    key, secret = make_key("read,staff", role=Role.STAFF, name="Help desk")
    answered = api("post", f"/posts/{post.id}/response", secret, json={"body": "We are on it.", "status": "planned"})
    assert answered.status_code == 201
    body = answered.get_json()
    assert body["status"] == "planned"
    assert body["official_responses"][0]["body"] == "We are on it."
    assert body["official_responses"][0]["author"]["badge"] == "Staff"
    assert [(t["from_status"], t["to_status"]) for t in body["timeline"]] == [("open", "planned")]
    moved = api("post", f"/posts/{post.id}/status", secret, json={"status": "in_progress", "note": "Sprint 4"})
    assert moved.get_json()["timeline"][-1]["note"] == "Sprint 4"
    refused = api("post", f"/posts/{post.id}/status", secret, json={"status": "duplicate"})
    assert refused.status_code == 409
    assert api("post", f"/posts/{post.id}/status", secret, json={"status": "nope"}).status_code == 422
    merged = api("post", f"/posts/{post.id}/merge", secret, json={"into": original.id})
    assert merged.status_code == 200
    assert merged.get_json()["duplicate"]["status"] == "duplicate"
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "post")).all()
    assert {e.action for e in entries} == {"respond", "status", "merge"}
    assert {(e.actor_id, e.api_key_id) for e in entries} == {(key.user_id, key.id)}
    login_as(db.session.get(User, key.user_id))
    assert "through API key “<bdi>Help desk</bdi>”" in client.get("/staff/audit").get_data(as_text=True)


def test_staff_reads(api, make_key, make_post, make_user):
    post = make_post(title="Shipped thing")
    responses.change_status(make_user(Role.STAFF), post, Status.DONE)
    db.session.commit()
    _, secret = make_key("staff", role=Role.STAFF)
    assert api("get", "/categories", secret).get_json()["data"][0]["slug"] == "mobile-app"
    statuses = api("get", "/statuses", secret).get_json()["data"]
    assert {"slug": "done", "label": "Done", "closed": True} in statuses
    shipped = api("get", "/changelog", secret).get_json()
    assert [e["id"] for e in shipped["data"]] == [post.id]


# -- rate limits ---------------------------------------------------------------------------------
@pytest.fixture
def limited(app):
    limited_app = create_app({**app.config, "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    limited_app.test_client_class = IsolatedClient
    yield limited_app.test_client()
    with limited_app.app_context():
        limiter.reset()
        db.session.remove()
        db.engine.dispose()
    limiter.enabled = app.config["RATELIMIT_ENABLED"]


def test_each_key_has_its_own_limit_and_a_429_says_when_to_retry(limited, make_key):
    _, first = make_key("read")
    _, second = make_key("read")

    def get(key):
        return limited.get("/api/v1/posts", headers={"Authorization": f"Bearer {key}"})

    assert [get(first).status_code for _ in range(3)] == [200, 200, 200]
    refused = get(first)
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert get(second).status_code == 200


# -- the document and its page ---------------------------------------------------------------------
def test_the_openapi_document_is_3_1_and_lists_every_route(client, app):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    api_rules = {
        r.rule for r in app.url_map.iter_rules() if r.endpoint.startswith("api.") and r.endpoint != "api.openapi"
    }
    paths = {path.replace("{post_id}", "<int:post_id>") for path in document["paths"]}
    assert paths == api_rules
    assert document["paths"]["/api/v1/posts"]["post"]["x-scope"] == "write"
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_the_reference_page_needs_no_script(client):
    page = client.get("/api/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<script" not in html.split("</header>", 1)[-1].split("<footer", 1)[0]
    assert "GET /api/v1/posts" in html and "PostSummary" in html
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


# -- the command line ------------------------------------------------------------------------------
def test_the_command_prints_a_working_key_once(app, api, make_user):
    make_user(Role.STAFF, email="bot@example.com")
    result = app.test_cli_runner().invoke(
        args=["api-key", "create", "--user", "bot@example.com", "--scopes", "read,staff", "--name", "Sync"]
    )
    assert result.exit_code == 0, result.output
    secret = next(line for line in result.output.splitlines() if line.startswith("tbk_"))
    assert api("get", "/statuses", secret).status_code == 200
    revoked = app.test_cli_runner().invoke(args=["api-key", "revoke", secret.split("_")[1]])
    assert revoked.exit_code == 0, revoked.output
    assert api("get", "/statuses", secret).status_code == 401
    bad = app.test_cli_runner().invoke(args=["api-key", "create", "--user", "bot@example.com", "--scopes", "root",
                                            "--name", "x"])  # fmt: skip
    assert bad.exit_code != 0 and "not a scope" in bad.output
