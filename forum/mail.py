"""Outgoing email: an .eml file in the outbox folder by default, SMTP when MAIL_SERVER is set.

Every message carries what mail clients and the large mailbox providers look for: a `Date` in UTC
(`+0000`), a Message-ID on the site's own domain that no other installation makes, `Auto-Submitted:
auto-generated` (RFC 3834: no out-of-office replies), and, for mail a member may stop, a one-click
`List-Unsubscribe` (RFC 8058) written as it is: Python's email package would fold a long URL into an
RFC 2047 encoded word, which no mail client reads as a link.
"""

import hashlib
import hmac
import smtplib
import uuid
from datetime import UTC, datetime
from email import policy
from email.headerregistry import HeaderRegistry, UnstructuredHeader
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app

from forum import markup


class _UnfoldedHeader(UnstructuredHeader):
    """A header written on one line, as given: a URL list must reach the client as plain text.
    The policy refuses CR and LF in any header value, so one line it stays."""

    def fold(self, *, policy):
        return f"{self.name}: {self}{policy.linesep}"


_HEADERS = HeaderRegistry()
_HEADERS.map_to_type("list-unsubscribe", _UnfoldedHeader)
_HEADERS.map_to_type("list-unsubscribe-post", _UnfoldedHeader)
POLICY = policy.default.clone(header_factory=_HEADERS)


def send(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    *,
    unsubscribe: str | None = None,
    key: str | None = None,
) -> Path | None:
    """Send one message; returns the outbox file when no mail server is configured.

    `unsubscribe` is the one-click unsubscribe link of mail a member may stop (notifications, digests).
    `key` names the message for good: the same key gives the same Message-ID and
    the same outbox file, so sending it again after a crash never makes two."""
    config = current_app.config
    message = EmailMessage(policy=POLICY)
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = markup.one_line(subject)  # a newline in a title would be a header injection
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = message_id(key)
    message["Auto-Submitted"] = "auto-generated"
    if unsubscribe:
        message["List-Unsubscribe"] = f"<{unsubscribe}>"
        message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")

    if config.get("MAIL_SERVER"):
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
        return None
    outbox = Path(config["MAIL_OUTBOX"])
    outbox.mkdir(parents=True, exist_ok=True)
    # Written then renamed, so a reader never sees half a message.
    name = f"{key or uuid.uuid4().hex}.eml"
    partial = outbox / f".{name}.tmp"
    partial.write_bytes(message.as_bytes())
    final = outbox / name
    partial.rename(final)
    return final


def message_id(key: str | None = None) -> str:
    """A Message-ID on the site's domain. A keyed one is the same for the same key on this installation
    and unguessable elsewhere (an HMAC under SECRET_KEY): two sites never make the same id, and the
    outbox's row numbers are not told to the world."""
    domain = urlsplit(current_app.config["SITE_URL"]).hostname or "localhost"
    if key is None:
        return make_msgid(domain=domain)
    secret = str(current_app.config["SECRET_KEY"]).encode()
    name = hmac.new(secret, f"message-id\0{key}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"<{name}@{domain}>"
