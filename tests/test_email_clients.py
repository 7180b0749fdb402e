"""Every email the site sends, through a real SMTP server, read as a mail client reads it."""

import email
import re
from email import policy
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from forum import mail
from forum.extensions import db
from forum.models import EmailMode, EmailPreference, Event, Status
from forum.services import delivery, notify, responses, votes
from tests.conftest import PASSWORD


def parsed(raw: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(raw, policy=policy.default)
    for part in message.walk():
        assert part.defects == [], (part.get_content_type(), part.defects)
    return message


def header_block(raw: bytes) -> str:
    return raw.split(b"\r\n\r\n", 1)[0].decode("ascii")


def check_headers(app, raw: bytes) -> email.message.EmailMessage:
    """What every message carries, checked on the wire as well as parsed."""
    message = parsed(raw)
    assert re.fullmatch(r"\w{3}, \d{1,2} \w{3} \d{4} \d\d:\d\d:\d\d \+0000", message["Date"]), message["Date"]
    site_host = urlsplit(app.config["SITE_URL"]).hostname
    assert re.fullmatch(rf"<[^@<>\s]+@{re.escape(site_host)}>", message["Message-ID"]), message["Message-ID"]
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] and "\n" not in message["Subject"]
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        assert re.search(r"<title>[^<]+</title>", html.get_content())
    return message


def check_one_click(raw: bytes, message) -> str:
    """The List-Unsubscribe headers, raw (no RFC 2047 encoded word), and the link they carry."""
    headers = header_block(raw)
    [line] = [line for line in headers.split("\r\n") if line.startswith("List-Unsubscribe:")]
    assert re.fullmatch(r"List-Unsubscribe: <https?://[^>\s]+/unsubscribe/[^>\s]+>", line), line
    assert "=?" not in headers
    assert "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n" in headers + "\r\n"
    return urlsplit(message["List-Unsubscribe"].strip("<>")).path


@pytest.fixture
def answered(make_user, make_post):
    member = make_user(name="Mia", email="mia@example.com")
    post = make_post(title="Calendar sync, with a title long enough to fold a header line twice over")
    votes.add(member, post)
    responses.respond(make_user("staff"), post, "Planned for spring.", Status.PLANNED)
    db.session.commit()
    return member, post


def test_notifications_reach_a_real_smtp_server_as_clients_want_them(answered, app, smtp_server, client):
    member, post = answered
    assert delivery.deliver_pending() >= 1
    [raw] = [m for m in smtp_server if b"mia@example.com" in m.split(b"\r\n\r\n", 1)[0]]
    message = check_headers(app, raw)
    assert message["To"] == "mia@example.com"
    assert message["Subject"] == f"Official response: {post.title}"
    link = check_one_click(raw, message)
    assert "Planned for spring." in message.get_body(preferencelist=("plain",)).get_content()

    # A GET (a mail scanner following links) changes nothing; the client's one-click POST, without
    # any session or form token, unsubscribes.
    assert "Stop these emails?" in client.get(link).get_data(as_text=True)
    assert notify.preferences(member)[Event.RESPONSE] is EmailMode.INSTANT
    response = client.post(link, data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert "You are unsubscribed" in response.get_data(as_text=True)
    assert notify.preferences(member)[Event.RESPONSE] is EmailMode.OFF
    assert notify.preferences(member)[Event.STATUS] is EmailMode.INSTANT


def test_digests_carry_one_click_unsubscribe_that_stops_digests(make_user, make_post, app, smtp_server, client):
    member = make_user(email="dora@example.com")
    for event in (Event.RESPONSE, Event.STATUS):
        notify.set_preference(member, event, EmailMode.DIGEST)
    post = make_post(title="Offline mode")
    votes.add(member, post)
    responses.respond(make_user("staff"), post, "We are on it.", Status.IN_PROGRESS)
    db.session.commit()
    assert delivery.send_digests() == 1
    [raw] = smtp_server
    message = check_headers(app, raw)
    assert message["Subject"].startswith("Your ") and "digest" in message["Subject"]
    assert "Offline mode" in message.get_body(preferencelist=("html",)).get_content()
    link = check_one_click(raw, message)

    assert client.get(link).status_code == 200
    assert notify.preferences(member)[Event.RESPONSE] is EmailMode.DIGEST
    assert client.post(link, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    modes = dict(db.session.execute(select(EmailPreference.event, EmailPreference.mode)
                                    .where(EmailPreference.user_id == member.id)).all())  # fmt: skip
    assert modes == {"response": "off", "status": "off"}


def test_account_emails_reach_a_real_smtp_server_well_formed(make_user, app, smtp_server, send, login_as):
    make_user(email="taken@example.com", name="Owner")
    send("/signup", {"display_name": "Again", "email": "taken@example.com", "password": PASSWORD})
    send("/signup", {"display_name": "New", "email": "fresh@example.com", "password": PASSWORD})
    send("/reset", {"email": "taken@example.com"})
    user = login_as(make_user(email="old@example.com"))
    send("/account/profile", {"display_name": user.display_name, "email": "new@example.com",
                              "current_password": PASSWORD})  # fmt: skip
    assert len(smtp_server) == 5
    for raw in smtp_server:
        message = check_headers(app, raw)
        assert "List-Unsubscribe" not in message  # the account's own business: nothing to stop
    ids = {parsed(raw)["Message-ID"] for raw in smtp_server}
    assert len(ids) == 5


def test_message_ids_are_the_same_for_a_key_and_differ_between_installations(app):
    with app.app_context():
        first = mail.message_id("outbox-1")
        assert mail.message_id("outbox-1") == first
        assert mail.message_id("outbox-2") != first
        assert "outbox" not in first
        original = app.config["SECRET_KEY"]
        app.config["SECRET_KEY"] = "another installation"
        try:
            assert mail.message_id("outbox-1") != first
        finally:
            app.config["SECRET_KEY"] = original
