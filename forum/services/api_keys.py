"""API keys: made, checked and revoked here; the key itself is shown once and never stored.

A key reads `tbk_<prefix>_<secret>`. The prefix is stored as it is, so that an admin can tell keys
apart and a request finds its key with one indexed lookup; the secret is kept as an HMAC-SHA256
digest under the site's SECRET_KEY (Astuto's way), compared in constant time."""

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import ApiKey, Role, Scope, User, utcnow
from forum.permissions import Guardian
from forum.services import Refused, audit

KEY_PREFIX = "tbk"
NAME_MAX = 80
# `last_used_at` is written at most this often per key: every request writing it would turn reads
# into writes.
LAST_USE_STEP = timedelta(minutes=1)


def _digest(secret: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def parse_scopes(values: Iterable[str]) -> list[str]:
    """The scopes named, in their canonical order; ValueError naming the first unknown one."""
    wanted = {value.strip().lower() for value in values if value and value.strip()}
    unknown = sorted(wanted - {scope.value for scope in Scope})
    if unknown:
        raise ValueError(f"“{unknown[0][:40]}” is not a scope; choose from read, write, staff, admin.")
    if not wanted:
        raise ValueError("Choose at least one scope.")
    return [scope.value for scope in Scope if scope.value in wanted]


def create_key(actor: User | None, owner: User, name: str, scopes: Iterable[str]) -> tuple[ApiKey, str]:
    """A new key for `owner`; returns the row and the key, which is shown once. `actor` None: the
    command line, which is trusted as an admin."""
    if actor is not None:
        Guardian(actor).ensure(Guardian(actor).can_manage_api_keys())
    name = " ".join((name or "").split())[:NAME_MAX]
    if not name:
        raise Refused("Give the key a name that says which system uses it.")
    scope_list = parse_scopes(scopes)
    # A key's scopes never reach past its person's role: the Guardian decides in the end anyway,
    # but a `staff` key for a member would only mislead whoever reads the list.
    owner_role = Role(owner.role)
    if Scope.ADMIN.value in scope_list and owner_role != Role.ADMIN:
        raise Refused(f"{owner.display_name} is not an admin: an admin key needs an admin account.")
    if Scope.STAFF.value in scope_list and owner_role.rank < Role.STAFF.rank:
        raise Refused(f"{owner.display_name} is not staff: a staff key needs a staff or admin account.")
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        user_id=owner.id,
        created_by_id=None if actor is None else actor.id,
        scopes=scope_list,
        prefix=prefix,
        digest=_digest(secret),
        created_at=utcnow(),
    )
    db.session.add(key)
    db.session.flush()
    audit.record(actor or owner, "api_key_create", "api_key", key.id, None,
                 {"name": name, "user_id": owner.id, "scopes": scope_list, "prefix": prefix})  # fmt: skip
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def prefix_of(token: str) -> str | None:
    """The prefix a presented key claims (not yet checked), for finding it and counting its requests."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    prefix = parts[1]
    return prefix if len(prefix) <= 24 and prefix.isascii() and prefix.isalnum() else None


def authenticate(token: str) -> ApiKey | None:
    """The live key this token is, with its person loaded; None for anything else (unknown,
    wrong secret, revoked, deleted person). Checked on every request: revoking takes effect at once."""
    prefix = prefix_of(token)
    if prefix is None:
        return None
    key = db.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.digest, _digest(token.split("_", 2)[2])):
        return None
    owner = db.session.get(User, key.user_id)
    if owner is None or owner.deleted_at is not None:
        return None
    return key


def note_use(key: ApiKey, executor=None) -> None:
    """Remember when the key was last used (at most once a minute), through `executor` (a
    connection of its own, for requests that otherwise only read) or the session."""
    now = utcnow()
    if key.last_used_at is not None and now - key.last_used_at < LAST_USE_STEP:
        return
    (executor or db.session).execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))


def revoke(actor: User, key: ApiKey) -> bool:
    """Revoke a key; False when it was revoked already."""
    Guardian(actor).ensure(Guardian(actor).can_manage_api_keys())
    if key.revoked_at is not None:
        return False
    key.revoked_at = utcnow()
    audit.record(actor, "api_key_revoke", "api_key", key.id, {"revoked_at": None}, {"revoked_at": key.revoked_at})
    db.session.flush()
    return True


def all_keys() -> list[tuple[ApiKey, User]]:
    """Every key with its person, live ones first, newest first."""
    rows = db.session.execute(
        select(ApiKey, User)
        .join(User, User.id == ApiKey.user_id)
        .order_by(ApiKey.revoked_at.is_not(None), ApiKey.created_at.desc(), ApiKey.id.desc())
    )
    return [(key, user) for key, user in rows]
