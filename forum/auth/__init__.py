"""Accounts: sign up, sign in, sign out."""

from urllib.parse import urlsplit

from flask import Flask
from flask_login import LoginManager

from forum.extensions import db
from forum.models import AnonymousUser, User
from forum.web import whole_number


def init_login(login_manager: LoginManager, app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to do that."
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = AnonymousUser
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        # The id carries the session version: bumping it ends every session.
        user_id, _, version = session_id.partition(":")
        number, session_version = whole_number(user_id), whole_number(version)
        if number is None or session_version is None:
            return None
        user = db.session.get(User, number)
        if user is None or user.session_version != session_version:
            return None
        return user


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: `//evil`, `/\\evil` and `/%09/evil` are refused."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
