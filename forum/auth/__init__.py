"""Accounts: sign up, sign in, sign out."""

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_login import LoginManager
from flask_login.config import COOKIE_NAME

from forum.extensions import db
from forum.models import AnonymousUser, User
from forum.web import whole_number


def init_login(login_manager: LoginManager, app: Flask) -> None:
    # Registered before Flask-Login's own after_request (which sets the cookie), so it runs after it.
    app.after_request(_secure_remember_cookie)
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


def _secure_remember_cookie(response: Response) -> Response:
    """The remember-me cookie is Secure whenever the page came over HTTPS, as the session cookie is
    (web.SessionInterface), even if REMEMBER_COOKIE_SECURE was forgotten."""
    if not request.is_secure:
        return response
    name = current_app.config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME)
    cookies = response.headers.getlist("Set-Cookie")
    if not any(cookie.startswith(f"{name}=") for cookie in cookies):
        return response
    response.headers.remove("Set-Cookie")
    for cookie in cookies:
        secure = cookie.startswith(f"{name}=") and "; secure" not in cookie.lower()
        response.headers.add("Set-Cookie", f"{cookie}; Secure" if secure else cookie)
    return response
