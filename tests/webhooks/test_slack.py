"""Slack endpoints: each chosen event arrives as a message Slack's incoming webhooks accept, a
`text` and Block Kit `blocks` (title, kind, votes, status, link), with Slack's markup escaped."""

from forum.extensions import db
from forum.models import Kind, Role, Status
from forum.services import responses, votes
from tests.webhooks.conftest import deliver

# What an incoming webhook takes (Slack's Block Kit reference): these block types, mrkdwn or
# plain_text objects, a section's text up to 3,000 characters, up to 10 elements in a context.
BLOCK_TYPES = {"section", "context", "divider", "header", "actions"}


def _check_slack_message(message: dict) -> None:
    assert set(message) <= {"text", "blocks"}
    assert isinstance(message["text"], str) and 0 < len(message["text"]) <= 3000
    assert 0 < len(message["blocks"]) <= 50
    for block in message["blocks"]:
        assert block["type"] in BLOCK_TYPES
        if block["type"] == "section":
            assert block["text"]["type"] in ("mrkdwn", "plain_text")
            assert 0 < len(block["text"]["text"]) <= 3000
        if block["type"] == "context":
            assert 0 < len(block["elements"]) <= 10
            for element in block["elements"]:
                assert element["type"] in ("mrkdwn", "plain_text", "image") and element["text"]


def test_a_new_complaint_reaches_a_slack_channel_formatted(app, receiver, endpoint_for, make_post, make_user):
    endpoint_for(receiver.url, ["post.created", "vote.created", "official_response.created"], "slack")
    post = make_post(title="Checkout fails on iOS", kind=Kind.COMPLAINT)
    deliver()  # each message tells the post as it is when sent
    votes.add(make_user(), post)
    db.session.commit()
    deliver()
    responses.respond(make_user(Role.STAFF), post, "We are on it.", Status.IN_PROGRESS)
    db.session.commit()
    deliver()

    assert len(receiver.requests) == 3
    for request in receiver.requests:
        assert request.headers["Content-Type"] == "application/json"
        assert "webhook-signature" not in {k.lower() for k in request.headers}
        _check_slack_message(request.json)
    created, voted, answered = (r.json for r in receiver.requests)
    link = f"<{app.config['SITE_URL']}/posts/{post.id}-checkout-fails-on-ios|Checkout fails on iOS>"
    assert created["blocks"][0]["text"]["text"] == f"New complaint: {link}"
    assert created["blocks"][1]["elements"][0]["text"].endswith("Complaint · 1 vote · Open")
    assert voted["blocks"][0]["text"]["text"] == f"New vote for {link}"
    assert "2 votes" in voted["blocks"][1]["elements"][0]["text"]
    assert answered["blocks"][0]["text"]["text"] == f"Official response on {link}"
    assert "In progress" in answered["blocks"][1]["elements"][0]["text"]
    assert created["text"].startswith("New complaint: “Checkout fails on iOS”")
    assert f"/posts/{post.id}-" in created["text"]


def test_slack_markup_in_a_title_is_escaped(receiver, endpoint_for, make_post):
    endpoint_for(receiver.url, ["post.created"], "slack")
    make_post(title="<!channel> free money & <https://evil.example|click>")
    deliver()
    [request] = receiver.requests
    headline = request.json["blocks"][0]["text"]["text"]
    assert "<!channel>" not in headline and "<https://evil.example" not in headline
    assert "&lt;!channel&gt; free money &amp; &lt;https://evil.example|click&gt;" in headline


def test_a_slack_test_message(receiver, endpoint_for, make_user, login_as, send):
    endpoint, _ = endpoint_for(receiver.url, ["post.created"], "slack")
    login_as(make_user(Role.ADMIN))
    send(f"/admin/webhooks/{endpoint.id}/test")
    deliver()
    [request] = receiver.requests
    _check_slack_message(request.json)
    assert "Test message" in request.json["text"]
