"""Sign-in from the company's app: GET /sso with a token its server signed (HS256, SSO_SECRET).

Each refused token is refused with a page that says why, a 4xx, nobody signed in and nothing saved.
"""

import base64
import hashlib
import hmac
import json
import re
import time
from decimal import Decimal
from html import unescape
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import SSO_PROVIDER, Company, CompanyMember, Identity, Role, UsedSignInToken, User
from forum.services import accounts

SECRET = "a-long-random-secret-the-company-keeps-on-its-server"


@pytest.fixture(autouse=True)
def sso_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_SECRET", SECRET)
    monkeypatch.setitem(app.config, "SSO_LOGIN_URL", None)


_jtis = iter(range(10**6))


def token(secret=SECRET, algorithm="HS256", lifetime=300, **claims) -> str:
    payload = {
        "sub": "cust-42",
        "email": "grace@customer.example",
        "name": "Grace Hopper",
        "exp": int(time.time()) + lifetime,
        "jti": f"jti-{next(_jtis)}-{time.time_ns()}",
        **claims,
    }
    return jwt.encode({k: v for k, v in payload.items() if v is not None}, secret, algorithm=algorithm)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_made(header: dict, payload: dict, sign=None) -> str:
    """A token built byte by byte, as an attacker would (PyJWT refuses to make the bad ones)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(payload).encode())}"
    signature = sign(signing_input.encode()) if sign else b""
    return f"{signing_input}.{_b64(signature)}"


def members() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(User))


def signed_in_name(client) -> str | None:
    page = client.get("/").get_data(as_text=True)
    if 'title="Account settings"' not in page:
        return None
    return page.split('title="Account settings"><bdi>', 1)[1].split("</bdi>", 1)[0]


def test_a_good_token_signs_in_a_new_member_with_their_company(client, app_ctx):
    claims = {"company": {"id": "acme-1", "name": "Acme Corp", "plan": "enterprise", "mrr": 12500.5}}
    response = client.get("/sso", query_string={"token": token(**claims), "next": "/roadmap"})

    assert response.status_code == 303
    assert response.location == "/roadmap"
    assert signed_in_name(client) == "Grace Hopper"
    user = accounts.find_by_email("grace@customer.example")
    assert user.role == Role.MEMBER
    assert user.email_verified_at is None  # the company vouches for it, but it was never proven here
    identity = db.session.scalars(select(Identity).where(Identity.user_id == user.id)).one()
    assert (identity.provider, identity.subject) == (SSO_PROVIDER, "cust-42")
    company = db.session.scalars(select(Company)).one()
    assert (company.external_id, company.name, company.plan) == ("acme-1", "Acme Corp", "enterprise")
    assert company.monthly_revenue == Decimal("12500.50")
    assert db.session.get(CompanyMember, (user.id, company.id)) is not None


def test_the_next_token_updates_the_member_and_adds_a_second_company(client, app_ctx, send):
    client.get("/sso", query_string={"token": token(company={"id": "acme-1", "name": "Acme", "plan": "pro"})})
    send("/logout")
    again = token(name="Grace B. Hopper", company={"id": "globex", "name": "Globex", "plan": "starter", "mrr": "99"})
    assert client.get("/sso", query_string={"token": again}).status_code == 303

    user = accounts.find_by_email("grace@customer.example")
    assert user.display_name == "Grace B. Hopper"
    assert members() == 1
    companies = db.session.scalars(
        select(Company.external_id).join(CompanyMember).where(CompanyMember.user_id == user.id)
    )
    assert sorted(companies) == ["acme-1", "globex"]


def refused(response, words: str, status: int = 400) -> str:
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert "Could not sign you in" in body
    assert words in body, body[:2000]
    return body


def test_an_expired_token_is_refused(client, app_ctx):
    refused(client.get("/sso", query_string={"token": token(lifetime=-120)}), "has expired")
    assert members() == 0
    assert signed_in_name(client) is None


def test_a_token_used_twice_is_refused_the_second_time(client, app_ctx, send):
    once = token()
    assert client.get("/sso", query_string={"token": once}).status_code == 303
    send("/logout")
    refused(client.get("/sso", query_string={"token": once}), "already used")
    assert signed_in_name(client) is None
    assert db.session.scalar(select(func.count()).select_from(UsedSignInToken)) == 1


def test_a_token_signed_with_another_secret_is_refused(client, app_ctx):
    refused(client.get("/sso", query_string={"token": token(secret="x" * 40)}), "signature is wrong")
    assert members() == 0


def test_alg_none_is_refused(client, app_ctx):
    unsigned = hand_made(
        {"alg": "none", "typ": "JWT"},
        {"sub": "cust-42", "email": "grace@customer.example", "exp": int(time.time()) + 60, "jti": "n1"},
    )
    refused(client.get("/sso", query_string={"token": unsigned}), "HS256")
    assert members() == 0


def test_rs256_and_the_public_key_used_as_an_hmac_secret_are_refused(client, app_ctx):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    payload = {"sub": "cust-42", "email": "grace@customer.example", "exp": int(time.time()) + 60, "jti": "r1"}

    rs256 = jwt.encode(payload, key, algorithm="RS256")
    refused(client.get("/sso", query_string={"token": rs256}), "HS256")
    # The classic confusion: HS256 keyed with the public key, which a verifier holding only that key
    # might accept. Here the HMAC secret is SSO_SECRET and nothing else.
    confused = hand_made(
        {"alg": "HS256", "typ": "JWT"},
        {**payload, "jti": "r2"},
        lambda data: hmac.new(public_pem, data, hashlib.sha256).digest(),
    )
    refused(client.get("/sso", query_string={"token": confused}), "signature is wrong")
    assert members() == 0


def test_a_claim_cannot_make_anyone_staff(client, app_ctx):
    grabby = token(role="admin", roles=["staff", "admin"], is_staff=True, is_admin=True)
    assert client.get("/sso", query_string={"token": grabby}).status_code == 303

    assert accounts.find_by_email("grace@customer.example").role == Role.MEMBER
    assert client.get("/staff/queue").status_code == 403
    assert client.get("/admin/sign-in").status_code == 403


def test_a_team_account_is_never_signed_in_by_a_token(client, make_user):
    staff = make_user(Role.STAFF, email="grace@customer.example")
    accounts.mark_email_verified(staff)
    db.session.commit()
    refused(client.get("/sso", query_string={"token": token()}), "team account", 403)
    assert signed_in_name(client) is None
    assert db.session.scalar(select(func.count()).select_from(Identity)) == 0


@pytest.mark.parametrize(
    "target",
    ["//evil.example/x", "https://evil.example/", "/\\evil.example", "/\t/evil.example", "javascript:alert(1)"],
)
def test_next_never_leaves_the_site(client, app_ctx, target):
    response = client.get("/sso", query_string={"token": token(), "next": target})
    assert response.status_code == 303
    assert response.location == "/"


@pytest.mark.parametrize(
    "claims, words",
    [
        ({"exp": int(time.time()) + 3600}, "at most 10 minutes"),
        ({"jti": None}, "no “jti” claim"),
        ({"sub": None}, "no “sub” claim"),
        ({"email": "not an address"}, "no valid “email”"),
        ({"company": {"name": "No id"}}, "“company” claim is not valid: id is missing"),
        ({"company": {"id": "c1", "mrr": "lots"}}, "not an amount"),
    ],
)
def test_a_malformed_token_is_refused_saying_why(client, app_ctx, claims, words):
    refused(client.get("/sso", query_string={"token": token(**claims)}), words)
    assert members() == 0


def test_garbage_and_no_token_are_refused(client, app_ctx):
    refused(client.get("/sso", query_string={"token": "not.a.token"}), "malformed")
    refused(client.get("/sso"), "carries no token")
    refused(client.get("/sso", query_string={"token": "x" * 10000}), "too long")


def test_an_existing_password_account_is_linked_only_once_its_address_is_proven(client, make_user):
    member = make_user(email="grace@customer.example", name="Grace")
    body = refused(client.get("/sso", query_string={"token": token()}), "never confirmed that address", 409)
    assert "password reset" in body
    assert signed_in_name(client) is None

    accounts.mark_email_verified(member)  # as following a password-reset link does
    db.session.commit()
    assert client.get("/sso", query_string={"token": token()}).status_code == 303
    assert members() == 1
    identity = db.session.scalars(select(Identity)).one()
    assert identity.user_id == member.id


def test_a_password_reset_proves_the_address(client, make_user, outbox, send):
    from tests.conftest import link_in

    member = make_user(email="grace@customer.example")
    send("/reset", {"email": member.email})
    link = link_in(outbox()[-1], "/reset/")
    send(link, {"password": "a brand new password"})
    db.session.rollback()
    assert db.session.get(User, member.id).email_verified_at is not None


def test_not_set_up_is_a_404(client, app, app_ctx, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_SECRET", None)
    refused(client.get("/sso", query_string={"token": token()}), "not set up", 404)


def test_a_visitor_pressing_sign_in_goes_to_the_company_and_back(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_LOGIN_URL", "https://app.customer.example/login?from=forum")
    page = client.get("/roadmap", headers={"Host": "localhost"}).get_data(as_text=True)
    sign_in_link = page.split(">Sign in</a>", 1)[0].rsplit('href="', 1)[1].split('"', 1)[0]
    assert sign_in_link.startswith("/sso/login?next=")

    response = client.get(sign_in_link.replace("&amp;", "&"), headers={"Host": "127.0.0.1"})
    assert response.status_code == 302
    sent_to = urlsplit(response.location)
    assert (sent_to.scheme, sent_to.netloc, sent_to.path) == ("https", "app.customer.example", "/login")
    query = parse_qs(sent_to.query)
    assert query["from"] == ["forum"]
    [return_to] = query["return_to"]
    site = app.config["SITE_URL"].rstrip("/")
    assert return_to.startswith(site + "/sso?next=")  # from SITE_URL, not the request's Host
    back = urlsplit(return_to)
    assert parse_qs(back.query)["next"] == ["/roadmap?"]

    # The company's app appends the token and sends the person back.
    response = client.get(f"{back.path}?{back.query}&token={token()}")
    assert response.status_code == 303 and response.location.rstrip("?") == "/roadmap"
    assert signed_in_name(client) == "Grace Hopper"


def test_the_sign_in_page_offers_the_company_app(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "SSO_LOGIN_URL", "https://app.customer.example/login")
    page = client.get("/login?next=/roadmap").get_data(as_text=True)
    assert "Sign in with your Tallybook account" in page or "Sign in with your" in page
    assert "/sso/login?next=/roadmap" in page


def test_the_python_example_in_the_docs_signs_a_customer_in(client, app_ctx):
    """docs/SIGN_IN.md's ten lines, run as a company's server would run them."""
    from pathlib import Path
    from types import SimpleNamespace

    doc = (Path(__file__).parents[2] / "docs" / "SIGN_IN.md").read_text()
    example = doc.split("```python\n", 1)[1].split("```", 1)[0]
    namespace = {"SSO_SECRET": SECRET}
    exec(example, namespace)
    account = SimpleNamespace(id=7, name="Initech", plan="pro", mrr=Decimal("420.00"))
    user = SimpleNamespace(id=99, email="peter@initech.example", name="Peter Gibbons", account=account)

    url = urlsplit(namespace["feedback_url"](user, "/roadmap"))
    response = client.get(f"{url.path}?{url.query}")
    assert response.status_code == 303 and response.location == "/roadmap"
    assert signed_in_name(client) == "Peter Gibbons"
    company = db.session.scalars(select(Company)).one()
    assert (company.external_id, company.plan, company.monthly_revenue) == ("7", "pro", Decimal("420.00"))


def test_one_token_sent_twice_at_once_signs_in_once(app, app_ctx):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    same = token()
    start = Barrier(2)

    def arrive(_):
        client = app.test_client()
        start.wait()
        return client.get("/sso", query_string={"token": same}).status_code

    with ThreadPoolExecutor(2) as pool:
        statuses = sorted(pool.map(arrive, range(2)))
    assert statuses == [303, 400]
    assert db.session.scalar(select(func.count()).select_from(Identity)) == 1
    assert members() == 1


def test_account_settings_say_how_the_member_signs_in(client, app, app_ctx):
    client.get("/sso", query_string={"token": token()})
    page = " ".join(re.sub(r"<[^>]+>", "", client.get("/account").get_data(as_text=True)).split())
    assert f"How you sign in {app.config['COMPANY_NAME']}'s app, last" in unescape(page)


def test_a_tokens_own_claim_opens_a_category_restricted_to_it(client, app_ctx, make_post):
    from forum.models import Category, Visibility

    beta = Category(slug="beta-lab", name="Beta lab", description="", visibility=Visibility.RESTRICTED,
                    allowed_claims=["tier=beta"])  # fmt: skip
    db.session.add(beta)
    db.session.commit()
    make_post(title="Quasar export for testers", cat=beta)

    client.get("/sso", query_string={"token": token(tier="general", role="admin")})
    user = accounts.find_by_email("grace@customer.example")
    assert user.sso_claims == {"tier": "general"}  # nothing of who or when, and a role never counts
    assert "Quasar export" not in client.get("/").get_data(as_text=True)

    client.get("/sso", query_string={"token": token(tier="beta")})
    db.session.refresh(user)
    assert user.sso_claims == {"tier": "beta"}
    assert "Quasar export" in client.get("/").get_data(as_text=True)
