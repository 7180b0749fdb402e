"""OpenID Connect sign-in against a real provider: the npm package oidc-provider (certified by the
OpenID Foundation), started by this module on a free loopback port (tests/identity/oidc_provider.mjs).

A person signs in as a browser would: the site sends them to the provider, `requests` fills the
provider's own login and consent pages, and the provider sends them back to the site's callback,
which the test client opens with the session that started it. Nothing of Authlib is stubbed.
"""

import json
import re
from html import unescape
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import pytest
import requests
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import AuditEntry, Identity, Role, SignInProvider, User
from forum.services import accounts
from tests.identity.oidc_provider import CLIENT_ID, CLIENT_SECRET, running_provider

SLUG = "test-id"


@pytest.fixture(scope="module")
def provider_site(app) -> str:
    return app.config["SITE_URL"].rstrip("/")


@pytest.fixture(scope="module")
def issuer(provider_site):
    with running_provider(f"{provider_site}/login/oidc/{SLUG}/callback") as issuer:
        yield issuer


@pytest.fixture(autouse=True)
def _site_url_the_provider_knows(app, provider_site, monkeypatch):
    """The browser suite's live server moves SITE_URL for the rest of its worker's session; the
    provider was told the callback address under the one there was when it started."""
    monkeypatch.setitem(app.config, "SITE_URL", provider_site)


@pytest.fixture
def provider(issuer, app_ctx):
    provider = SignInProvider(
        slug=SLUG,
        display_name="Test ID",
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        allowed_domains="example.com",
    )
    db.session.add(provider)
    db.session.commit()
    return provider


def _form(html: str) -> tuple[str, dict]:
    action = unescape(re.search(r'<form[^>]*action="([^"]+)"', html).group(1))
    fields = {
        unescape(name): unescape(value)
        for name, value in re.findall(r'<input[^>]*type="hidden"[^>]*name="([^"]+)"[^>]*value="([^"]*)"', html)
    }
    return action, fields


def through_the_provider(client, login: str, tamper_authorization=None) -> str:
    """Start at the site's button, sign in at the provider as `login` and consent; the site-relative
    callback address the provider sends the browser back to."""
    start = client.get(f"/login/oidc/{SLUG}", query_string={"next": "/roadmap"})
    assert start.status_code == 302, start.get_data(as_text=True)[:500]
    authorization = start.location
    query = dict(parse_qsl(urlsplit(authorization).query))
    assert query["code_challenge_method"] == "S256" and query["code_challenge"]
    assert query["state"] and query["nonce"]
    if tamper_authorization:
        authorization = tamper_authorization(authorization)
    callback = client.application.config["SITE_URL"].rstrip("/") + f"/login/oidc/{SLUG}/callback"
    browser = requests.Session()
    answer = browser.get(authorization, allow_redirects=False, timeout=10)
    for _ in range(12):
        if answer.is_redirect:
            target = urljoin(answer.url, answer.headers["Location"])
            if target.startswith(callback):
                parts = urlsplit(target)
                return f"{parts.path}?{parts.query}"
            answer = browser.get(target, allow_redirects=False, timeout=10)
            continue
        assert answer.status_code == 200, answer.text[:500]
        action, fields = _form(answer.text)
        if fields.get("prompt") == "login":
            fields |= {"login": login, "password": "any password"}
        answer = browser.post(urljoin(answer.url, action), data=fields, allow_redirects=False, timeout=10)
    raise AssertionError("the provider never sent the browser back")


def signed_in(client) -> bool:
    return 'title="Account settings"' in client.get("/").get_data(as_text=True)


def refused(response, words: str, status: int = 400) -> None:
    body = unescape(response.get_data(as_text=True))
    assert response.status_code == status, body[:800]
    assert "Could not sign you in" in body
    assert words in body, body[:3000]


def test_sign_in_creates_a_member_with_the_providers_identity(client, provider, issuer):
    response = client.get(through_the_provider(client, "ada"))

    assert response.status_code == 303, response.get_data(as_text=True)[:800]
    assert response.location == "/roadmap"
    assert signed_in(client)
    assert "Ada Lovelace" in client.get("/").get_data(as_text=True)
    user = accounts.find_by_email("ada@example.com")
    assert user.role == Role.MEMBER and user.email_verified_at is not None
    identity = db.session.scalars(select(Identity).where(Identity.user_id == user.id)).one()
    assert (identity.provider, identity.subject) == (issuer, "ada")


def test_a_proven_password_account_is_linked_and_keeps_its_role(client, provider, make_user):
    staff = make_user(Role.STAFF, email="ada@example.com", name="Ada of the team")
    accounts.mark_email_verified(staff)
    db.session.commit()
    assert client.get(through_the_provider(client, "ada")).status_code == 303
    assert client.get("/staff/queue").status_code == 200
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
    assert db.session.scalars(select(Identity.user_id)).one() == staff.id


def test_an_unproven_password_account_is_not_linked(client, provider, make_user):
    make_user(email="ada@example.com")
    refused(client.get(through_the_provider(client, "ada")), "never confirmed that address", 409)
    assert not signed_in(client)
    assert db.session.scalar(select(func.count()).select_from(Identity)) == 0


def test_a_wrong_state_is_refused(client, provider):
    callback = through_the_provider(client, "ada")
    parts = urlsplit(callback)
    query = [(k, "forged-state" if k == "state" else v) for k, v in parse_qsl(parts.query)]
    refused(
        client.get(urlunsplit(parts._replace(query=urlencode(query)))), "failed a security check (mismatching_state"
    )
    assert not signed_in(client)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_wrong_nonce_is_refused(client, provider):
    """The provider signs an ID token for another nonce than the one this session asked for (a code
    from someone else's sign-in, injected into this one)."""

    def other_nonce(url: str) -> str:
        parts = urlsplit(url)
        query = [(k, "someone-elses-nonce" if k == "nonce" else v) for k, v in parse_qsl(parts.query)]
        return urlunsplit(parts._replace(query=urlencode(query)))

    refused(client.get(through_the_provider(client, "ada", other_nonce)), "Invalid claim: 'nonce'")
    assert not signed_in(client)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_an_unverified_address_is_refused(client, provider):
    refused(client.get(through_the_provider(client, "eve")), "has not verified your email address eve@example.com")
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_an_address_outside_the_allowed_domains_is_refused(client, provider):
    refused(client.get(through_the_provider(client, "oscar")), "Addresses at other.org cannot sign in", 403)
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_the_sign_in_page_shows_the_providers_button(client, provider):
    page = client.get("/login").get_data(as_text=True)
    assert "Sign in with <bdi>Test ID</bdi>" in page
    assert f'href="/login/oidc/{SLUG}"' in page


def test_a_hidden_or_unknown_provider_is_a_404(client, provider):
    provider.enabled = False
    db.session.commit()
    assert client.get(f"/login/oidc/{SLUG}").status_code == 404
    assert client.get("/login/oidc/nobody").status_code == 404
    assert client.get("/login/oidc/%00").status_code == 404


# -- the admin page ------------------------------------------------------------------------------
def _new_provider_form(issuer: str, **changes) -> dict:
    fields = {
        "new-display_name": "Company Okta",
        "new-issuer": issuer,
        "new-client_id": CLIENT_ID,
        "new-client_secret": CLIENT_SECRET,
        "new-allowed_domains": "example.com, @example.org",
        "new-enabled": "y",
    }
    return fields | changes


def test_an_admin_adds_a_provider_read_from_discovery(client, issuer, make_user, login_as, send):
    admin = login_as(make_user(Role.ADMIN))
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert "Add a provider" in page and "SSO_SECRET" in page

    response = send("/admin/sign-in", _new_provider_form(issuer))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    provider = db.session.scalars(select(SignInProvider)).one()
    assert (provider.slug, provider.issuer, provider.domains) == (
        "company-okta",
        issuer,
        ["example.com", "example.org"],
    )
    entry = db.session.scalars(select(AuditEntry)).one()
    assert (entry.actor_id, entry.action) == (admin.id, "sign_in_provider")
    assert CLIENT_SECRET not in json.dumps(entry.after)
    page = client.get("/admin/sign-in").get_data(as_text=True)
    assert "/login/oidc/company-okta/callback" in page
    assert CLIENT_SECRET not in page  # the secret is never shown again

    # Editing keeps the secret when its field is left empty.
    fields = {f"p{provider.id}-{k.removeprefix('new-')}": v for k, v in _new_provider_form(issuer).items()}
    fields |= {f"p{provider.id}-client_secret": "", f"p{provider.id}-display_name": "Okta"}
    assert send(f"/admin/sign-in/{provider.id}", fields).status_code == 303
    db.session.refresh(provider)
    assert (provider.display_name, provider.client_secret) == ("Okta", CLIENT_SECRET)


@pytest.mark.parametrize(
    "changes, words",
    [
        ({"new-issuer": "http://127.0.0.1:9/nothing-here"}, "Could not read"),
        ({"new-issuer": "http://provider.example"}, "must be an https:// address"),
        ({"new-allowed_domains": "example.com, not a domain!"}, "Not a domain"),
        ({"new-client_secret": ""}, "Enter the client secret"),
    ],
)
def test_a_wrong_provider_is_refused_next_to_its_field(client, issuer, make_user, login_as, send, changes, words):
    login_as(make_user(Role.ADMIN))
    response = send("/admin/sign-in", _new_provider_form(issuer, **changes))
    body = unescape(response.get_data(as_text=True))
    assert response.status_code == 422
    assert words in body
    assert 'value="Company Okta"' in body  # what was typed is kept
    assert db.session.scalar(select(func.count()).select_from(SignInProvider)) == 0


@pytest.mark.parametrize("role", ["visitor", Role.MEMBER, Role.MODERATOR, Role.STAFF])
def test_only_admins_set_up_providers(client, issuer, make_user, login_as, send, role):
    if role != "visitor":
        login_as(make_user(role))
    for response in (client.get("/admin/sign-in"), send("/admin/sign-in", _new_provider_form(issuer))):
        if role == "visitor":
            assert response.status_code == 302 and urlsplit(response.location).path == "/login"
        else:
            assert response.status_code == 403
    assert db.session.scalar(select(func.count()).select_from(SignInProvider)) == 0


def test_cancelling_at_the_provider_says_so(client, provider):
    start = client.get(f"/login/oidc/{SLUG}")
    state = dict(parse_qsl(urlsplit(start.location).query))["state"]
    response = client.get(
        f"/login/oidc/{SLUG}/callback",
        query_string={
            "error": "access_denied",
            "error_description": "End-User aborted\x00 interaction",
            "state": state,
        },
    )
    refused(response, "Test ID did not sign you in: End-User aborted interaction.")
    assert not signed_in(client)


def test_a_provider_that_does_not_answer_is_a_502_not_a_500(client, app_ctx):
    db.session.add(SignInProvider(slug="gone", display_name="Gone ID", issuer="http://127.0.0.1:9",
                                  client_id="x", client_secret="y", allowed_domains=""))  # fmt: skip
    db.session.commit()
    refused(client.get("/login/oidc/gone"), "Gone ID cannot be reached right now", 502)


def test_control_characters_in_a_secret_are_refused_not_stored(client, issuer, make_user, login_as, send):
    login_as(make_user(Role.ADMIN))
    response = send("/admin/sign-in", _new_provider_form(issuer, **{"new-client_secret": "se\x00cret"}))
    assert response.status_code == 422
    assert "cannot contain control characters" in response.get_data(as_text=True)
