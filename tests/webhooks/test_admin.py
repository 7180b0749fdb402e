"""/admin/webhooks as an admin uses it: add an endpoint and see its secret once, edit, rotate,
delete, all audited; bad input answered with a message and the typed text kept; the command line."""

import re

from forum.extensions import db
from forum.models import AuditEntry, Role, WebhookEndpoint
from forum.services import webhooks


def _form(url, events=("post.created",), type_="standard", enabled=True):
    data = {"url": url, "type": type_, "events": list(events)}
    if enabled:
        data["enabled"] = "y"
    return data


def test_an_admin_adds_an_endpoint_and_sees_its_secret_once(receiver, make_user, login_as, send, client):
    admin = login_as(make_user(Role.ADMIN))
    response = send("/admin/webhooks", _form(receiver.url, ["post.created", "comment.created"]))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    [secret] = re.findall(r'<pre class="secret" id="webhook-secret">(whsec_[^<]+)</pre>', page)
    endpoint = db.session.scalars(db.select(WebhookEndpoint)).one()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == (
        receiver.url,
        ["comment.created", "post.created"],
        True,
    )
    assert endpoint.secret == secret

    listing = client.get("/admin/webhooks").get_data(as_text=True)
    shown = client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)
    assert receiver.url in listing and receiver.url in shown
    assert secret not in listing and secret not in shown and "whsec_" not in shown

    [entry] = db.session.scalars(db.select(AuditEntry)).all()
    assert (entry.actor_id, entry.action, entry.target_type, entry.target_id) == (
        admin.id, "webhook_create", "webhook", endpoint.id
    )  # fmt: skip
    assert "secret" not in str(entry.after)


def test_bad_input_gets_a_message_and_keeps_what_was_typed(receiver, make_user, login_as, send):
    login_as(make_user(Role.ADMIN))
    cases = [
        (_form(receiver.url, events=[]), "Choose at least one event"),
        (_form(receiver.url, events=["post.exploded"]), "Choose events from the list"),
        (_form("ftp://files.example/in"), "Use an http:// or https:// address"),
        (_form("https://user:pw@hooks.example/"), "Leave the user name and password out"),
        (_form(receiver.url, type_="teams"), "Choose one of the listed types"),
        (_form("https://" + "a" * 2100 + ".example/"), "2,000 characters"),
        (_form("http://nowhere.invalid/x"), "does not resolve"),
        (_form("http://bad\x00name.invalid/"), "does not resolve"),
    ]
    for data, message in cases:
        response = send("/admin/webhooks", data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, data
        assert message in page, (message, page[-2000:])
        if len(data["url"]) < 200:
            assert f'value="{data["url"].replace(chr(0), "")}"' in page  # a NUL byte is dropped, the rest kept
    assert db.session.scalars(db.select(WebhookEndpoint)).all() == []


def test_edit_rotate_and_delete_are_audited(receiver, make_user, login_as, send, client):
    login_as(make_user(Role.ADMIN))
    send("/admin/webhooks", _form(receiver.url))
    endpoint = db.session.scalars(db.select(WebhookEndpoint)).one()
    old_secret = endpoint.secret

    edited = send(f"/admin/webhooks/{endpoint.id}/edit", _form(receiver.url + "/v2", ["vote.created"], "slack", False))
    assert edited.status_code == 303
    db.session.refresh(endpoint)
    assert (endpoint.url, endpoint.events, endpoint.type, endpoint.enabled) == (
        receiver.url + "/v2", ["vote.created"], "slack", False
    )  # fmt: skip

    rotated = send(f"/admin/webhooks/{endpoint.id}/rotate", {"grace_hours": "48"})
    page = rotated.get_data(as_text=True)
    db.session.refresh(endpoint)
    assert endpoint.secret != old_secret and endpoint.previous_secret == old_secret
    assert endpoint.secret in page and old_secret not in page
    assert webhooks.grace_active(endpoint)
    assert "the previous secret signs too until" in client.get(f"/admin/webhooks/{endpoint.id}").get_data(as_text=True)

    too_long = send(f"/admin/webhooks/{endpoint.id}/rotate", {"grace_hours": "9" * 300})
    page = too_long.get_data(as_text=True)
    assert too_long.status_code == 422 and "0 to 168 hours" in page
    assert f'value="{receiver.url}/v2"' in page  # the settings form still shows the endpoint

    assert send(f"/admin/webhooks/{endpoint.id}/delete").status_code == 303
    db.session.refresh(endpoint)
    assert endpoint.deleted_at is not None and not endpoint.enabled
    assert client.get(f"/admin/webhooks/{endpoint.id}").status_code == 404
    actions = db.session.scalars(db.select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == ["webhook_create", "webhook_edit", "webhook_rotate", "webhook_delete"]
    audit = client.get("/staff/audit?target=webhook").get_data(as_text=True)
    assert audit.count(f'href="/admin/webhooks/{endpoint.id}"') == 4


def test_members_and_staff_may_not_see_the_pages(make_user, login_as, client):
    for role in (Role.MEMBER, Role.MODERATOR, Role.STAFF):
        login_as(make_user(role))
        assert client.get("/admin/webhooks").status_code == 403
    client.post("/logout")
    with client.session_transaction() as session:
        session.clear()
    response = client.get("/admin/webhooks")
    assert response.status_code == 302 and "/login" in response.location
    assert client.get("/admin/webhooks/99999999999").status_code in (302, 404)


def test_unknown_ids_are_404(make_user, login_as, client, send):
    login_as(make_user(Role.ADMIN))
    assert client.get("/admin/webhooks/99999999999").status_code == 404
    assert client.get("/admin/webhooks/5").status_code == 404
    assert send("/admin/webhooks/5/deliveries/7/redeliver").status_code == 404


def test_the_admins_staff_bar_links_to_webhooks(make_user, login_as, client):
    login_as(make_user(Role.ADMIN))
    assert 'href="/admin/webhooks"' in client.get("/").get_data(as_text=True)
    login_as(make_user(Role.STAFF))
    assert 'href="/admin/webhooks"' not in client.get("/").get_data(as_text=True)


def test_the_command_adds_an_endpoint_and_prints_the_secret_once(app, receiver):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["webhooks", "add", receiver.url, "--events", "post.created,vote.created",
                                 "--type", "slack"])  # fmt: skip
    assert result.exit_code == 0, result.output
    [secret] = re.findall(r"whsec_\S+", result.output)
    with app.app_context():
        endpoint = db.session.scalars(db.select(WebhookEndpoint)).one()
        assert (endpoint.secret, endpoint.type, endpoint.events) == (secret, "slack", ["post.created", "vote.created"])
    listed = runner.invoke(args=["webhooks", "list"]).output
    assert receiver.url in listed and "whsec_" not in listed

    refused = runner.invoke(args=["webhooks", "add", receiver.url, "--events", "post.sneezed"])
    assert refused.exit_code != 0 and "choose from" in refused.output
