"""Who is calling: the Bearer key, its person and its scopes.

The API honours no cookie and sets none (web.SessionInterface gives /api/ requests an empty
session that is never saved): a browser signed in to the site cannot be made to call it, which
is why the blueprint is exempt from CSRF. The key's person becomes `current_user` for the
request, so the Guardian and every service see exactly who acts."""

import functools

from flask import current_app, g, request
from flask_limiter.util import get_remote_address
from sqlalchemy import event
from sqlalchemy.orm import Session

from forum.extensions import READ_METHODS, db
from forum.models import AnonymousUser, ApiKey, AuditEntry, Scope, User
from forum.services import api_keys


def rate_limit() -> str:
    """Per key, shared by every route of the API (Flask-Limiter, Redis-backed with REDIS_URL)."""
    return current_app.config["API_RATE_LIMIT"]


class ApiError(Exception):
    """An error the API answers as {"error": {"code", "message"}} with `status`."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def rate_limit_key() -> str:
    """Requests are counted per key (by its prefix, read without a database query, so counting runs
    before the key is checked); requests without a key per address."""
    token = bearer_token()
    prefix = api_keys.prefix_of(token) if token else None
    return f"api-key:{prefix}" if prefix else f"api-address:{get_remote_address()}"


def start_request() -> None:
    """Before every API request: nobody is signed in until a key says who."""
    g._login_user = AnonymousUser()
    g.api_key = None


def current_key() -> ApiKey:
    """The request's key, checked now (a key revoked a moment ago fails here); 401 otherwise."""
    if g.get("api_key") is not None:
        return g.api_key
    token = bearer_token()
    if token is None:
        raise ApiError(401, "unauthorized", "Send an API key as `Authorization: Bearer <key>`.",
                       {"WWW-Authenticate": 'Bearer realm="api"'})  # fmt: skip
    key = api_keys.authenticate(token)
    if key is None:
        raise ApiError(401, "invalid_key", "This API key is unknown or revoked.",
                       {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'})  # fmt: skip
    g.api_key = key
    g._login_user = db.session.get(User, key.user_id)  # loaded by authenticate(): no query
    if request.method in READ_METHODS:
        # A reading request commits nothing: its own short transaction keeps the time of use.
        with db.engine.begin() as connection:
            api_keys.note_use(key, connection)
    else:
        api_keys.note_use(key)  # committed with the request's change
    return key


def requires(scope: Scope):
    """The view needs a key with `scope`: 401 without a valid key, 403 without that scope."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            key = current_key()
            if not key.allows(scope):
                raise ApiError(403, "insufficient_scope", f"This key lacks the `{scope.value}` scope this needs.")
            return view(*args, **kwargs)

        wrapper.api_scope = scope
        return wrapper

    return decorate


@event.listens_for(Session, "before_flush")
def _stamp_audit_entries(session, flush_context, instances) -> None:
    """An action taken through a key names the key in its audit entry: the services write their
    entries as for any request, and this adds which key it came through."""
    from flask import has_request_context

    if not has_request_context():
        return
    key = g.get("api_key")
    if key is None:
        return
    for entry in session.new:
        if isinstance(entry, AuditEntry) and entry.api_key_id is None:
            entry.api_key_id = key.id
