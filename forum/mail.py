"""Outgoing email: an .eml file in the outbox folder by default, SMTP when MAIL_SERVER is set."""

import smtplib
import uuid
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from flask import current_app

from forum import markup


def send(
    to: str, subject: str, text: str, html: str | None = None, headers: dict | None = None, key: str | None = None
) -> Path | None:
    """Send one message; returns the outbox file when no mail server is configured.

    `key` names the message for good: the same key gives the same Message-ID and
    the same outbox file, so sending it again after a crash never makes two."""
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = markup.one_line(subject)  # a newline in a title would be a header injection
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{key}@forum.local>" if key else make_msgid(domain="forum.local")
    for name, value in (headers or {}).items():
        message[name] = value
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
    partial.write_bytes(bytes(message))
    final = outbox / name
    partial.rename(final)
    return final
