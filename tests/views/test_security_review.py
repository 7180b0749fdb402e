"""Regression tests for the findings of the outside security review (issue 25), one group per finding."""

import pytest
from sqlalchemy import select

from forum import create_app
from forum.extensions import db
from forum.models import User
from tests.conftest import PASSWORD, csrf_token_from, link_in

SITE = "http://127.0.0.1:5000"


# -- 1. links in emails follow SITE_URL, never the request's Host -------------------------------------
@pytest.fixture
def site_url(app):
    before = app.config["SITE_URL"], app.config["TRUSTED_HOSTS"]
    app.config["SITE_URL"] = "https://feedback.example.com"
    app.config["TRUSTED_HOSTS"] = ["feedback.example.com", "localhost", "attacker.example"]
    yield app.config["SITE_URL"]
    app.config["SITE_URL"], app.config["TRUSTED_HOSTS"] = before


def _links(message) -> list[str]:
    import re

    return re.findall(r"https?://[^\s\"'<>]+", message.get_body(preferencelist=("plain",)).get_content())


@pytest.mark.parametrize(
    "headers", [{"Host": "attacker.example"}, {"X-Forwarded-Host": "attacker.example"}], ids=["host", "forwarded"]
)
def test_every_emailed_link_uses_site_url_whatever_host_the_request_names(make_user, site_url, client, outbox, headers):
    def send(url, data):
        token = csrf_token_from(client.get("/__csrf__", headers=headers).get_data(as_text=True))
        return client.post(url, data={**data, "csrf_token": token}, headers=headers)

    make_user(email="owner@example.com", name="Owner")
    assert send("/reset", {"email": "owner@example.com"}).status_code == 303
    send("/signup", {"display_name": "New", "email": "new@example.com", "password": PASSWORD})
    send("/signup", {"display_name": "Again", "email": "owner@example.com", "password": PASSWORD})
    messages = outbox()
    assert len(messages) == 3
    links = [link for message in messages for link in _links(message)]
    assert len(links) >= 4
    assert all(link.startswith("https://feedback.example.com/") for link in links), links


def test_proxy_headers_never_move_the_host(site_url):
    """Behind a proxy (TRUST_PROXY_HEADERS=1) a client-sent X-Forwarded-Host is not believed."""
    from flask import request

    app = create_app({**_settings_of(site_url), "TRUST_PROXY_HEADERS": True})
    seen = []
    app.before_request(lambda: seen.append((request.host, request.scheme)))
    app.test_client().get("/healthz", headers={"X-Forwarded-Host": "attacker.example", "X-Forwarded-Proto": "https"})
    with app.app_context():
        db.engine.dispose()
    assert seen == [("localhost", "https")]


def _settings_of(site_url):
    from flask import current_app

    keys = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "MAIL_OUTBOX", "SEARCH_INDEX_DIR", "DELIVERY")
    kept = {key: current_app.config[key] for key in keys}
    return {"TESTING": True, "RATELIMIT_ENABLED": False, "SITE_URL": site_url, **kept}


def test_a_host_that_is_not_the_sites_is_refused(client, app):
    assert client.get("/", headers={"Host": "attacker.example"}).status_code == 400
    assert client.get("/", headers={"Host": "127.0.0.1:5000"}).status_code == 200
    assert client.get("/", headers={"Host": "localhost"}).status_code == 200


def test_trusted_hosts_default_to_site_urls_host(monkeypatch, tmp_path):
    monkeypatch.setenv("SITE_URL", "https://feedback.example.com")
    monkeypatch.delenv("TRUSTED_HOSTS", raising=False)
    from forum.config import Config

    assert Config(str(tmp_path)).TRUSTED_HOSTS == ["feedback.example.com", "localhost", "127.0.0.1"]
    monkeypatch.setenv("TRUSTED_HOSTS", "a.example, .b.example")
    assert Config(str(tmp_path)).TRUSTED_HOSTS == ["a.example", ".b.example"]


@pytest.mark.parametrize("query", ["_external=1", "_scheme=https&_external=1", "post_id=9", "slug=", "endpoint=x",
                                   "_method=POST", "_anchor=x", "comments=2&_external=1"])  # fmt: skip
def test_query_keys_never_reach_url_building_on_the_slug_redirect(make_post, client, query):
    """Finding 9 too: only known query parameters are carried over to the canonical address."""
    post = make_post(title="Dark mode please")
    response = client.get(f"/posts/{post.id}?{query}", headers={"Host": "localhost"})
    assert response.status_code == 301
    location = response.headers["Location"]
    assert location.startswith(f"/posts/{post.id}-dark-mode-please"), location
    assert "evil" not in location and "_external" not in location and "endpoint" not in location
    if "comments=2" in query:
        assert location.endswith("?comments=2")


# -- 2. the mailed sign-up link creates the account only on its button's POST --------------------------
def test_opening_the_sign_up_link_creates_nothing_and_signs_no_one_in(app, client, send, outbox):
    send("/signup", {"display_name": "Victim", "email": "victim@example.com", "password": PASSWORD})
    link = link_in(outbox()[0], "/signup/confirm/")
    scanner = app.test_client()  # a mail scanner's prefetch: no cookie
    assert scanner.head(link).status_code == 200
    got = scanner.get(link)
    assert got.status_code == 200
    assert "Create my account" in got.get_data(as_text=True)
    assert scanner.post(link).status_code == 400  # no CSRF token: not a person who pressed the button
    assert db.session.scalars(select(User)).first() is None
    assert "Sign out" not in scanner.get("/").get_data(as_text=True)

    assert send(link).status_code == 303  # the person who pressed the button
    assert db.session.scalars(select(User.email)).all() == ["victim@example.com"]
