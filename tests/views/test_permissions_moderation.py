"""Every role against every state-changing route that tests/views/test_permissions.py leaves out:
moderation of posts and comments, reports and their decisions, members' suspension and roles,
merging, one's own account, signing out.

The expected table comes from PRODUCT.md ("Roles and permissions": moderators and up hide, lock,
pin, move, merge, restore, handle flags and suspend; staff and up write internal notes; admins
change roles; members flag and delete their own words; suspended members read but do not write)
and forum/permissions.py. Allowed: 2xx/3xx and the database changed. Refused: a member gets 403
(404 when the target is out of their sight: a hidden or deleted post or comment), a visitor is
sent to sign in and back, and the database is exactly as before.
"""

import io
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, text

from forum.auth import safe_next
from forum.extensions import db
from forum.models import Category, FlagReason, PostStatus
from forum.services import accounts, api_keys, comments, moderation, posts, responses
from forum.services import statuses as status_service
from tests.conftest import PASSWORD, TABLES

ROLES = ["visitor", "member", "author", "suspended", "moderator", "staff", "admin"]
SIGNED_IN = set(ROLES) - {"visitor"}
MODS = {"moderator", "staff", "admin"}
STAFF = {"staff", "admin"}
# Members who may write and are not the author (the author may not report their own words).
REPORTERS = {"member", "moderator", "staff", "admin"}
# A hidden post is seen by moderators and its author; deleted posts and hidden or deleted
# comments by moderators only. Anyone else is told it does not exist.
NOT_SEEING_HIDDEN_POST = {"member"}
NOT_SEEING_GONE = {"member", "author", "suspended"}


@dataclass
class Site:
    author: object
    member: object
    reporter: object
    target: object
    users: dict
    post: object
    other_post: object
    comment: object


@dataclass(frozen=True)
class Action:
    allowed: set
    request: object  # Site -> (url, form data)
    prepare: object = None  # Site -> None: the state the action needs (a hidden post, a report...)
    unseen: frozenset = frozenset()  # refused roles that get a 404: the target is out of their sight


def _provider(site):
    from forum.models import SignInProvider

    site.provider = SignInProvider(slug="okta", display_name="Okta", issuer="https://id.example.com",
                                   client_id="forum", client_secret="secret", allowed_domains="")  # fmt: skip
    db.session.add(site.provider)


def _provider_form(site):
    fields = {"display_name": "Okta login", "issuer": "https://id.example.com", "client_id": "forum", "enabled": "y"}
    return f"/admin/sign-in/{site.provider.id}", {f"p{site.provider.id}-{k}": v for k, v in fields.items()}


def _company_import(site):
    from forum.models import CompanyImport

    rows = [{"line": 2, "external_id": "acme", "name": "Acme", "plan": None, "monthly_revenue": None, "attributes": {}}]
    site.company_import = CompanyImport(created_by_id=site.users["admin"].id, filename="c.csv", rows=rows, rejected=[])
    db.session.add(site.company_import)


ADMINS = {"admin"}
# Never connected to: the tests deliver nothing (DELIVERY=manual). A literal public address needs no DNS.
WEBHOOK_URL = "http://93.184.215.14/hooks"


def _webhook(site):
    """An endpoint with one delivery, for the webhook actions."""
    from forum.models import WebhookDelivery, WebhookEndpoint, WebhookSubscription

    endpoint = WebhookEndpoint(url=WEBHOOK_URL, type="standard", secret="whsec_dGVzdHRlc3R0ZXN0dGVzdA==",
                               subscriptions=[WebhookSubscription(event="post.created")])  # fmt: skip
    db.session.add(endpoint)
    db.session.flush()
    delivery = WebhookDelivery(endpoint_id=endpoint.id, message_id="msg_test", event="post.created",
                               facts={"post_id": site.post.id}, state="failed")  # fmt: skip
    db.session.add(delivery)
    db.session.flush()
    site.webhook, site.delivery = endpoint, delivery


def _merge(site):
    from forum.services import merges  # merging is newer than the rest of this table

    merges.merge_posts(site.users["admin"], site.post, site.other_post)


CATEGORY_FORM = {"name": "Partners", "visibility": "restricted", "allowed_domains": "partner.example"}

ACTIONS = {
    # -- posts -------------------------------------------------------------------------------
    "post hide": Action(MODS, lambda s: (f"/posts/{s.post.id}/hide", {})),
    "post unhide": Action(
        MODS,
        lambda s: (f"/posts/{s.post.id}/unhide", {}),
        lambda s: moderation.toggle_post(s.users["admin"], s.post, "hide"),
        frozenset(NOT_SEEING_HIDDEN_POST),
    ),
    "post lock": Action(MODS, lambda s: (f"/posts/{s.post.id}/lock", {})),
    "post unlock": Action(
        MODS,
        lambda s: (f"/posts/{s.post.id}/unlock", {}),
        lambda s: moderation.toggle_post(s.users["admin"], s.post, "lock"),
    ),
    "post pin": Action(MODS, lambda s: (f"/posts/{s.post.id}/pin", {})),
    "post unpin": Action(
        MODS,
        lambda s: (f"/posts/{s.post.id}/unpin", {}),
        lambda s: moderation.toggle_post(s.users["admin"], s.post, "pin"),
    ),
    "post move": Action(MODS, lambda s: (f"/posts/{s.post.id}/move", {"category": "billing"})),
    "post restore": Action(
        MODS,
        lambda s: (f"/posts/{s.post.id}/restore", {}),
        lambda s: posts.delete_post(s.author, s.post),
        frozenset(NOT_SEEING_GONE),
    ),
    "post merge": Action(MODS, lambda s: (f"/posts/{s.post.id}/merge", {"into": str(s.other_post.id)})),
    "post unmerge": Action(
        MODS,
        lambda s: (f"/posts/{s.post.id}/unmerge", {}),
        _merge,
    ),
    "not a duplicate": Action(
        STAFF, lambda s: ("/staff/duplicates/dismiss", {"first": str(s.post.id), "second": str(s.other_post.id)})
    ),
    "post notes": Action(STAFF, lambda s: (f"/posts/{s.post.id}/notes", {"body": "Enterprise customer."})),
    "post flag": Action(REPORTERS, lambda s: (f"/posts/{s.post.id}/flag", {"reason": "spam"})),
    "post vote on behalf": Action(
        STAFF,
        lambda s: (f"/posts/{s.post.id}/votes/on-behalf", {"email": "caller@customer.example", "priority": "blocker"}),
    ),
    # -- comments ----------------------------------------------------------------------------
    "comment delete": Action(
        {"author", "moderator", "staff", "admin"}, lambda s: (f"/comments/{s.comment.id}/delete", {})
    ),
    "comment hide": Action(MODS, lambda s: (f"/comments/{s.comment.id}/hide", {})),
    "comment unhide": Action(
        MODS,
        lambda s: (f"/comments/{s.comment.id}/unhide", {}),
        lambda s: moderation.hide_comment(s.users["admin"], s.comment),
        frozenset(NOT_SEEING_GONE),
    ),
    "comment restore": Action(
        MODS,
        lambda s: (f"/comments/{s.comment.id}/restore", {}),
        lambda s: moderation.delete_comment(s.users["admin"], s.comment),
        frozenset(NOT_SEEING_GONE),
    ),
    # Only the author edits their words (moderators hide or delete); a suspended author may not.
    "comment edit": Action({"author"}, lambda s: (f"/comments/{s.comment.id}/edit", {"body": "Ten seconds, or more."})),
    "comment flag": Action(REPORTERS, lambda s: (f"/comments/{s.comment.id}/flag", {"reason": "abuse"})),
    # -- reports -----------------------------------------------------------------------------
    "decide on a post": Action(
        MODS,
        lambda s: (f"/moderation/flags/post/{s.post.id}", {"decision": "keep"}),
        lambda s: moderation.flag(s.reporter, s.post, FlagReason.SPAM, threshold=99),
    ),
    "decide on a comment": Action(
        MODS,
        lambda s: (f"/moderation/flags/comment/{s.comment.id}", {"decision": "hide"}),
        lambda s: moderation.flag(s.reporter, s.comment, FlagReason.ABUSE, threshold=99),
    ),
    # -- members -----------------------------------------------------------------------------
    "suspend": Action(MODS, lambda s: (f"/users/{s.target.id}/suspend", {"days": "7", "reason": "Spam"})),
    "reinstate": Action(
        MODS,
        lambda s: (f"/users/{s.target.id}/reinstate", {}),
        lambda s: accounts.suspend(s.users["admin"], s.target, until=None, reason="Spam"),
    ),
    "role": Action({"admin"}, lambda s: (f"/users/{s.target.id}/role", {"role": "moderator"})),
    # -- one's own account -------------------------------------------------------------------
    # Suspended members keep managing their own account (they read, and may need a new password),
    # but not their public name: that is writing in public.
    "profile": Action(
        SIGNED_IN - {"suspended"}, lambda s: ("/account/profile", {"display_name": "A new name", "email": ""})
    ),
    "password": Action(
        SIGNED_IN,
        lambda s: ("/account/password", {"current_password": PASSWORD, "new_password": "another long password"}),
    ),
    "logout": Action(SIGNED_IN, lambda s: ("/logout", {})),
    # -- site setup --------------------------------------------------------------------------
    "category create": Action({"admin"}, lambda s: ("/admin/categories", CATEGORY_FORM)),
    # -- sign-in settings and companies (admins) ---------------------------------------------
    "sign-in provider edit": Action({"admin"}, _provider_form, _provider),
    "company import": Action(
        {"admin"},
        lambda s: ("/admin/companies/import", {"file": (io.BytesIO(b"external_id,name\nacme,Acme\n"), "c.csv")}),
    ),
    "company import apply": Action(
        {"admin"}, lambda s: (f"/admin/companies/import/{s.company_import.id}", {}), _company_import
    ),
    # -- API keys ------------------------------------------------------------------------------
    "api key create": Action(
        {"admin"}, lambda s: ("/admin/api-keys", {"name": "Help desk", "scopes": "read", "owner": "me"})
    ),
    "api key revoke": Action(
        {"admin"},
        lambda s: (f"/admin/api-keys/{_a_key_id()}/revoke", {}),
        lambda s: api_keys.create_key(None, s.users["admin"], "Old sync", ["read"]),
    ),
    # -- webhooks (admins) -------------------------------------------------------------------
    "webhook create": Action(
        ADMINS, lambda s: ("/admin/webhooks", {"url": WEBHOOK_URL, "type": "standard", "events": "post.created"})
    ),
    "webhook edit": Action(
        ADMINS,
        lambda s: (
            f"/admin/webhooks/{s.webhook.id}/edit",
            {"url": WEBHOOK_URL, "type": "slack", "events": "vote.created"},
        ),
        _webhook,
    ),
    "webhook delete": Action(ADMINS, lambda s: (f"/admin/webhooks/{s.webhook.id}/delete", {}), _webhook),
    "webhook rotate": Action(
        ADMINS, lambda s: (f"/admin/webhooks/{s.webhook.id}/rotate", {"grace_hours": "24"}), _webhook
    ),
    "webhook test": Action(ADMINS, lambda s: (f"/admin/webhooks/{s.webhook.id}/test", {}), _webhook),
    "webhook redeliver": Action(
        ADMINS,
        lambda s: (f"/admin/webhooks/{s.webhook.id}/deliveries/{s.delivery.id}/redeliver", {}),
        _webhook,
    ),
    # -- tags, release notes, statuses (issue 27) --------------------------------------------
    "post tags": Action(STAFF, lambda s: (f"/posts/{s.post.id}/tags", {"tags": "search, performance"})),
    "release note": Action(
        STAFF,
        lambda s: ("/changelog/new", {"title": "Spring release", "body": "Search is fast.", "posts": str(s.post.id)}),
        lambda s: responses.change_status(s.users["admin"], s.post, "done"),
    ),
    "status add": Action(
        {"admin"},
        lambda s: ("/admin/statuses", {"label": "Beta", "kind": "active", "color": "teal", "show_on_roadmap": "1"}),
    ),
    "status edit": Action(
        {"admin"},
        lambda s: (
            f"/admin/statuses/{_status_id('planned')}",
            {"label": "Scheduled", "kind": "active", "color": "indigo", "show_on_roadmap": "1"},
        ),
    ),
    "status order": Action({"admin"}, lambda s: (f"/admin/statuses/{_status_id('planned')}/move", {"direction": "up"})),
    "status archive": Action(
        {"admin"},
        lambda s: (f"/admin/statuses/{_status_id('beta')}/archive", {}),
        lambda s: status_service.create_status(
            s.users["admin"], label="Beta", kind="active", color="teal", show_on_roadmap=True
        ),
    ),
    "status restore": Action(
        {"admin"},
        lambda s: (f"/admin/statuses/{_status_id('beta')}/restore", {}),
        lambda s: status_service.archive(
            s.users["admin"],
            status_service.create_status(
                s.users["admin"], label="Beta", kind="active", color="teal", show_on_roadmap=True
            ),
            None,
        ),
    ),
}


def _a_key_id() -> int:
    from forum.models import ApiKey

    return db.session.scalars(db.select(ApiKey.id)).first()


def _status_id(slug: str) -> int:
    return db.session.scalar(select(PostStatus.id).where(PostStatus.slug == slug))


@pytest.fixture
def site(make_user, make_post, category):
    db.session.add(Category(slug="billing", name="Billing"))
    author = make_user(name="Ada Author")
    users = {role: make_user(role) for role in ("moderator", "staff", "admin")}
    post = make_post(author, title="Search is slow on large boards")
    other_post = make_post(title="Search takes ages with many cards")
    comment = comments.add_comment(author, post, "It takes ten seconds for me.")
    db.session.commit()
    return Site(author, make_user(), make_user(), make_user(), users, post, other_post, comment)


def snapshot() -> dict:
    """Every row of every table the tests clean, as plain tuples."""
    db.session.rollback()
    return {table: db.session.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all() for table in TABLES}


def changed_tables(before: dict, after: dict) -> list[str]:
    return [table for table in before if before[table] != after[table]]


def sign_in(role: str, site: Site, login_as):
    if role == "visitor":
        return None
    if role in ("author", "suspended"):
        user = site.author
    elif role == "member":
        user = site.member
    else:
        user = site.users[role]
    if role == "suspended":
        accounts.suspend(site.users["admin"], site.author, until=None, reason="Posting spam")
        db.session.commit()
    return login_as(user)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ACTIONS))
def test_role_can_or_cannot(action, role, site, login_as, send):
    spec = ACTIONS[action]
    if spec.prepare:
        spec.prepare(site)
        db.session.commit()
    user = sign_in(role, site, login_as)
    url, data = spec.request(site)
    if action == "profile" and user is not None:
        data = {**data, "email": user.email}
    before = snapshot()

    response = send(url, data)
    after = snapshot()
    body = response.get_data(as_text=True)

    if role in spec.allowed:
        assert 200 <= response.status_code < 400, f"{role} {action}: {response.status_code}\n{body[:400]}"
        assert changed_tables(before, after), f"{role} {action}: answered {response.status_code}, changed nothing"
    elif role == "visitor":
        assert response.status_code == 302, f"{action}: {response.status_code}"
        location = urlsplit(response.location)
        assert location.path == "/login"
        [back] = parse_qs(location.query)["next"]
        assert safe_next(back) == back, f"next={back!r} must lead back into the site"
        assert after == before
    else:
        expected = 404 if role in spec.unseen else 403
        assert response.status_code == expected, f"{role} {action}: {response.status_code}\n{body[:400]}"
        if expected == 403:
            assert "You may not do that" in body
        assert not changed_tables(before, after), f"{role} {action} changed {changed_tables(before, after)}"


def test_the_table_covers_every_state_changing_route(app):
    """A new POST route must be added here (or to test_permissions.py) before it ships."""
    covered_elsewhere = {"/posts/<int:post_id>/" + a for a in ("vote", "unvote", "comments", "edit", "delete")}
    covered_elsewhere |= {"/posts/<int:post_id>/response", "/posts/<int:post_id>/status", "/posts"}
    covered_elsewhere |= {"/posts/<int:post_id>/response/edit"}  # test_permissions.py
    # Adding a provider reads its discovery document: tests/identity/test_oidc.py walks the roles
    # against it with a real provider running.
    covered_elsewhere |= {"/admin/sign-in"}
    # Signing up, in and back (visitors' own forms) and notification settings belong to other suites.
    not_moderation = {"/signup", "/login", "/reset", "/reset/<token>", "/signup/confirm/<token>"}
    not_moderation |= {"/account/email/<token>"}  # a mailed link, whoever opens it: tests/views/test_security_review.py
    not_moderation |= {r.rule for r in app.url_map.iter_rules() if r.rule.startswith(("/notifications", "/unsub"))}
    not_moderation |= {"/account/notifications", "/posts/<int:post_id>/follow", "/posts/<int:post_id>/unfollow"}
    here = {
        "/posts/<int:post_id>/" + a
        for a in ("hide", "unhide", "lock", "unlock", "pin", "unpin", "move", "restore", "merge", "unmerge")
    }
    here |= {"/posts/<int:post_id>/notes", "/posts/<int:post_id>/flag", "/staff/duplicates/dismiss"}
    here |= {"/posts/<int:post_id>/votes/on-behalf"}
    here |= {f"/comments/<int:comment_id>/{a}" for a in ("delete", "hide", "unhide", "restore", "flag", "edit")}
    here |= {"/moderation/flags/<any(post, comment):target_type>/<int:target_id>"}
    here |= {f"/users/<int:user_id>/{a}" for a in ("suspend", "reinstate", "role")}
    here |= {"/account/profile", "/account/password", "/logout"}
    here |= {"/admin/categories"}
    here |= {"/admin/sign-in/<int:provider_id>", "/admin/companies/import", "/admin/companies/import/<int:import_id>"}
    here |= {"/admin/api-keys", "/admin/api-keys/<int:key_id>/revoke"}
    # The API's routes take a key, not a session: tests/api/test_scopes.py walks every key against them.
    covered_elsewhere |= {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")}
    here |= {"/admin/webhooks"} | {
        f"/admin/webhooks/<int:endpoint_id>/{a}" for a in ("edit", "delete", "rotate", "test")
    }
    here |= {"/admin/webhooks/<int:endpoint_id>/deliveries/<int:delivery_id>/redeliver"}
    here |= {"/posts/<int:post_id>/tags", "/changelog/new", "/admin/statuses"}
    here |= {"/admin/statuses/<int:status_id>" + a for a in ("", "/move", "/archive", "/restore")}
    posting = {r.rule for r in app.url_map.iter_rules() if "POST" in (r.methods or ())}
    missing = posting - here - covered_elsewhere - not_moderation
    assert not missing, f"state-changing routes without a role table: {sorted(missing)}"
