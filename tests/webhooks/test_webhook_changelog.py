"""changelog.published: a release note is announced once, signed like every event, with the shipped
posts a visitor may see when it is sent, and as a Slack headline."""

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from forum.extensions import db
from forum.models import Role, Status
from forum.services import moderation, releases, responses
from forum.services.webhooks import utcnow
from tests.webhooks.conftest import deliver


def _done(make_post, make_user, title):
    post = make_post(title=title)
    responses.change_status(make_user(Role.STAFF), post, Status.DONE, "")
    db.session.commit()
    return post


def _publish(make_user, title, posts, body="What shipped this week."):
    note = releases.publish(make_user(Role.STAFF), title=title, body=body, post_ids=[p.id for p in posts],
                            released_at=utcnow())  # fmt: skip
    db.session.commit()
    return note


def test_a_release_note_is_announced_signed_with_its_shipped_posts(app, receiver, endpoint_for, make_post, make_user):
    _, secret = endpoint_for(receiver.url, ["changelog.published"])
    export = _done(make_post, make_user, "Export to CSV")
    dark = _done(make_post, make_user, "Dark mode")
    note = _publish(make_user, "December release", [export, dark])

    assert deliver() == 1
    [request] = receiver.requests
    payload = Webhook(secret).verify(request.body, request.headers)
    assert payload["type"] == "changelog.published"
    assert payload["data"]["release"] == {
        "id": note.id,
        "title": "December release",
        "url": f"{app.config['SITE_URL']}/changelog/{note.id}",
        "released_at": note.released_at.isoformat(timespec="seconds"),
    }
    shipped = payload["data"]["posts"]
    assert [(p["id"], p["title"], p["status"]) for p in shipped] == [
        (export.id, "Export to CSV", "done"),
        (dark.id, "Dark mode", "done"),
    ]
    assert shipped[0]["url"] == f"{app.config['SITE_URL']}/posts/{export.id}-export-to-csv"
    assert b"What shipped this week" not in request.body  # thin: the note's text stays on the site
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(request.body.replace(b"December", b"November"), request.headers)


def test_a_note_without_posts_is_announced_too(receiver, endpoint_for, make_user):
    endpoint_for(receiver.url, ["changelog.published"])
    _publish(make_user, "Faster pages everywhere", [])
    deliver()
    [request] = receiver.requests
    assert request.json["data"]["release"]["title"] == "Faster pages everywhere"
    assert request.json["data"]["posts"] == []


def test_a_post_hidden_before_sending_is_left_out(receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["changelog.published", "post.created"])
    shown = _done(make_post, make_user, "Public export")
    hidden = _done(make_post, make_user, "Leaked internal plan")
    deliver()
    receiver.requests.clear()
    _publish(make_user, "Release 12", [shown, hidden])
    moderation.toggle_post(make_user(Role.MODERATOR), hidden, "hide")
    db.session.commit()
    deliver()
    [request] = receiver.requests
    assert [p["id"] for p in request.json["data"]["posts"]] == [shown.id]
    assert b"Leaked internal plan" not in request.body


def test_only_endpoints_that_chose_it_hear_it(receiver, endpoint_for, make_user):
    endpoint_for(receiver.url, ["post.created"])
    _publish(make_user, "Quiet release", [])
    assert deliver() == 0 and receiver.requests == []


def test_a_release_reaches_slack_as_a_headline(app, receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["changelog.published"], "slack")
    export = _done(make_post, make_user, "Export <to> CSV")
    note = _publish(make_user, "Release & <!channel>", [export])
    deliver()
    [request] = receiver.requests
    message = request.json
    url = f"{app.config['SITE_URL']}/changelog/{note.id}"
    assert message["blocks"][0]["text"]["text"] == f"Release notes published: <{url}|Release &amp; &lt;!channel&gt;>"
    assert message["blocks"][1]["elements"][0]["text"].endswith("1 post shipped: “Export &lt;to&gt; CSV”")
    assert message["text"].startswith("Release notes published: “Release &amp; &lt;!channel&gt;” (1 post shipped")
    assert "webhook-signature" not in {k.lower() for k in request.headers}
