"""Accounts: sign-up, sign-in checks, profile and password changes."""

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from forum import markup
from forum.extensions import db
from forum.models import SUSPENDED_FOR_GOOD, Role, User, Vote, utcnow
from forum.permissions import TEAM_ROLES, Guardian
from forum.services import audit
from forum.services.counters import recount

PASSWORD_MIN = 8
PASSWORD_MAX = 200
NAME_MAX = 50
# Hashed for unknown emails so that sign-in takes as long whether or not the
# account exists: one per hashing method, as costly as a real account's.
_dummy_hashes: dict[str, str] = {}


def _dummy_hash() -> str:
    method = current_app.config["PASSWORD_HASH_METHOD"]
    if method not in _dummy_hashes:
        _dummy_hashes[method] = generate_password_hash("not a real password", method=method)
    return _dummy_hashes[method]


def _hash(password: str) -> str:
    # scrypt by default; the test suite lowers the cost to stay fast.
    return generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])


class EmailTaken(ValueError):
    pass


# Words a member's name may not contain, in any look-alike spelling: they would read as the company's voice.
RESERVED_NAME_WORDS = ("support", "official", "admin", "staff", "moderator")


def clean_display_name(name: str | None) -> str:
    """NFKC (full-width and styled letters become plain ones), one line, nothing invisible."""
    return markup.one_line(unicodedata.normalize("NFKC", name or ""))


def _skeleton(text: str) -> str:
    """What `text` looks like (Unicode TR39 skeleton, by ICU), lower-cased, letters and digits only:
    "Ѕupроrt", "SUPPORT" and "S u p p o r t" have the same one."""
    # Skeleton, lower case, skeleton again ("M" -> "m" -> "rn"); "I" and "1" become "l" but lower-case "i"
    # stays itself, so "MIA" would not meet "Mia": fold "i" too.
    checker = _spoof_checker()
    shape = checker.getSkeleton(0, checker.getSkeleton(0, unicodedata.normalize("NFKC", text)).casefold())
    return "".join(ch for ch in shape if ch.isalnum()).replace("i", "l")


@cache
def _spoof_checker():
    import icu

    return icu.SpoofChecker()


def display_name_problem(name: str, user: User | None = None) -> str | None:
    """Why a (cleaned) display name cannot be used, or None. The team may name themselves as they
    like; a member's name may not look like a team member's, the company's or an official word."""
    if not any(unicodedata.category(ch).startswith("L") for ch in name):
        return "A display name needs at least one letter."
    if user is not None and Guardian(user).is_moderator:
        return None
    shape = _skeleton(name)
    company = current_app.config["COMPANY_NAME"]
    for word in (*RESERVED_NAME_WORDS, company):
        if _skeleton(word) in shape:
            return f"Choose a name that does not look like “{word}”: it would read as {company} speaking."
    others = select(User.display_name).where(User.role.in_(TEAM_ROLES))
    if user is not None and user.id is not None:
        others = others.where(User.id != user.id)
    if any(_skeleton(team_name) == shape for team_name in db.session.scalars(others)):
        return "That name looks like a team member's. Choose another."
    return None


def normalize_email(email: str) -> str:
    return markup.clean_text(email).strip().lower()


def find_by_email(email: str) -> User | None:
    return db.session.scalars(select(User).where(func.lower(User.email) == normalize_email(email))).first()


def create_user(email: str, password: str, display_name: str, role: Role = Role.MEMBER) -> User:
    email = normalize_email(email)
    if find_by_email(email) is not None:
        raise EmailTaken(email)
    user = User(
        email=email,
        display_name=clean_display_name(display_name),
        password_hash=_hash(password),
        role=Role(role),
    )
    db.session.add(user)
    db.session.flush()
    return user


def authenticate(email: str, password: str) -> User | None:
    user = find_by_email(email)
    if user is None or user.is_placeholder:
        # A placeholder has no password: it answers as an unknown address does, in the same time.
        check_password_hash(_dummy_hash(), password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


# -- placeholder accounts ------------------------------------------------------------
def placeholder_for(email: str, display_name: str | None = None) -> tuple[User, bool]:
    """The account of this address, made as a placeholder when there is none (staff record a vote for
    someone who never signed up). Returns (user, created). No password, so nobody signs in with it
    until the address's owner claims it through a mailed link (`claim`). Two staff members recording
    for the same new address at once get the same account."""
    from forum.services import insert_ignoring_duplicates

    email = normalize_email(email)
    existing = find_by_email(email)
    if existing is not None:
        return existing, False
    name = clean_display_name(display_name) or _name_from_email(email)
    if display_name_problem(name) is not None:
        name = "Customer"
    new_id = insert_ignoring_duplicates(
        User, ["email"], email=email, display_name=name[:NAME_MAX], password_hash="", role=Role.MEMBER.value,
        is_placeholder=True, session_version=1, created_at=utcnow(),
    )  # fmt: skip
    user = db.session.get(User, new_id) if new_id is not None else find_by_email(email)
    return user, new_id is not None


def _name_from_email(email: str) -> str:
    """ "jane.doe@acme.com" -> "Jane Doe": a name staff can recognise until the person picks their own."""
    local = email.split("@", 1)[0]
    words = [w for w in local.replace("_", " ").replace(".", " ").replace("-", " ").split() if w.isalpha()]
    return " ".join(w.capitalize() for w in words)[:NAME_MAX] or "Customer"


def claim(user: User, *, password_hash: str, display_name: str | None = None) -> None:
    """The owner of a placeholder's address proved it (a mailed link) and chose a password: the account
    and every vote recorded for it are theirs."""
    user.password_hash = password_hash
    if display_name:
        user.display_name = display_name
    user.is_placeholder = False
    user.email_verified_at = utcnow()
    end_sessions(user)


# -- links sent by email ---------------------------------------------------------
def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"forum-{purpose}")


def _fingerprint(user: User) -> str:
    """Changes when the password does: a used reset link stops working."""
    return hashlib.sha256(f"{user.password_hash}:{user.session_version}".encode()).hexdigest()[:24]


def password_reset_token(user: User) -> str:
    return _serializer("reset").dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    """The account a reset link is for, while the link is fresh and unused."""
    max_age = current_app.config["PASSWORD_RESET_MAX_AGE"].total_seconds()
    try:
        data = _serializer("reset").loads(token, max_age=max_age)
        user = db.session.get(User, int(data["u"]))
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        return None
    if user is None or user.deleted_at is not None or not hmac.compare_digest(_fingerprint(user), str(data["f"])):
        return None
    return user


@dataclass(frozen=True)
class PendingSignup:
    """What a sign-up link carries: the account to create once its owner confirms."""

    email: str
    display_name: str
    password_hash: str


def pending_signup(email: str, password: str, display_name: str) -> PendingSignup:
    """The account a sign-up asks for, its password hashed. Called whether or not the address has an
    account, so that both answers cost the same hashing (no timing tells which addresses exist)."""
    return PendingSignup(normalize_email(email), clean_display_name(display_name), _hash(password))


def signup_token(pending: PendingSignup) -> str:
    """Everything needed to create the account, signed: nothing is stored until the link is used."""
    return _serializer("signup").dumps({"e": pending.email, "n": pending.display_name, "h": pending.password_hash})


def read_signup_token(token: str) -> PendingSignup | None:
    """The account a sign-up link would create, or None for a stale or forged link."""
    max_age = current_app.config["SIGNUP_LINK_MAX_AGE"].total_seconds()
    try:
        data = _serializer("signup").loads(token, max_age=max_age)
        return PendingSignup(str(data["e"]), str(data["n"]), str(data["h"]))
    except (BadData, KeyError, TypeError):
        return None


def create_from_signup(pending: PendingSignup) -> User:
    """The new account. Raises EmailTaken when the link was used before. A placeholder of the address
    (votes staff recorded for it) becomes the account: opening the mailed link proved the address."""
    existing = find_by_email(pending.email)
    if existing is not None and existing.is_placeholder and existing.deleted_at is None:
        claim(existing, password_hash=pending.password_hash, display_name=pending.display_name)
        return existing
    if existing is not None:
        raise EmailTaken(pending.email)
    user = User(
        email=pending.email,
        display_name=pending.display_name,
        password_hash=pending.password_hash,
        role=Role.MEMBER,
        email_verified_at=utcnow(),  # the link came through that mailbox
    )
    db.session.add(user)
    db.session.flush()
    return user


def update_profile(user: User, *, display_name: str) -> None:
    user.display_name = clean_display_name(display_name)
    db.session.flush()


def _email_fingerprint(user: User) -> str:
    """Changes when the address does: a link to an older change stops working."""
    return hashlib.sha256(f"{user.email}:{user.session_version}".encode()).hexdigest()[:24]


def email_change_token(user: User, new_email: str) -> str:
    """A link for the new address: the change takes effect only when its owner opens it. Raises
    EmailTaken when another account uses the address."""
    new_email = normalize_email(new_email)
    other = find_by_email(new_email)
    if other is not None and other.id != user.id:
        raise EmailTaken(new_email)
    return _serializer("email").dumps({"u": user.id, "e": new_email, "f": _email_fingerprint(user)})


def read_email_change_token(token: str) -> tuple[User, str] | None:
    """The account and its new address, while the link is fresh and the address unchanged since."""
    max_age = current_app.config["SIGNUP_LINK_MAX_AGE"].total_seconds()
    try:
        data = _serializer("email").loads(token, max_age=max_age)
        user, new_email = db.session.get(User, int(data["u"])), str(data["e"])
    except (BadData, KeyError, TypeError, ValueError, OverflowError):
        return None
    if user is None or user.deleted_at is not None:
        return None
    if not hmac.compare_digest(_email_fingerprint(user), str(data["f"])):
        return None
    return user, new_email


def change_email(user: User, new_email: str) -> None:
    """Raises EmailTaken when another account took the address in the meantime."""
    other = find_by_email(new_email)
    if other is not None and other.id != user.id:
        raise EmailTaken(new_email)
    user.email = normalize_email(new_email)
    user.email_verified_at = utcnow()  # changed only from the link mailed to the new address
    db.session.flush()


def mark_email_verified(user: User) -> None:
    """The member just proved they read mail at their address (they followed a link sent there)."""
    user.email_verified_at = utcnow()
    db.session.flush()


def change_password(user: User, new_password: str) -> None:
    if user.is_placeholder:
        # Only a mailed reset link reaches here for a placeholder: the address is proven.
        claim(user, password_hash=_hash(new_password))
        return
    user.password_hash = _hash(new_password)
    end_sessions(user)


def end_sessions(user: User) -> None:
    """Make every session and remember-me cookie of this user stop working."""
    user.session_version = (user.session_version or 1) + 1
    db.session.flush()


def suspend(actor: User, user: User, *, until: datetime | None, reason: str) -> list[int]:
    """Suspend a member until a time (None: for good). They keep reading; their votes stop
    counting until reinstated. Returns the ids of the posts whose counts moved."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_suspend(user))
    before = {"suspended_until": user.suspended_until, "reason": user.suspension_reason}
    user.suspended_until = until or SUSPENDED_FOR_GOOD
    user.suspension_reason = markup.clean_text(reason).strip()[:500]
    audit.record(actor, "suspend", "user", user.id, before,
                 {"suspended_until": user.suspended_until, "reason": user.suspension_reason})  # fmt: skip
    db.session.flush()
    return _recount_votes_of(user)


def reinstate(actor: User, user: User) -> list[int]:
    """Lift a suspension: the member writes again and their votes count again."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_suspend(user))
    before = {"suspended_until": user.suspended_until, "reason": user.suspension_reason}
    audit.record(actor, "reinstate", "user", user.id, before, {"suspended_until": None})
    user.suspended_until = None
    user.suspension_reason = None
    db.session.flush()
    return _recount_votes_of(user)


def _recount_votes_of(user: User) -> list[int]:
    post_ids = list(db.session.scalars(select(Vote.post_id).where(Vote.user_id == user.id)))
    recount(post_ids)
    return post_ids


def change_role(actor: User, user: User, role: Role) -> bool:
    """Admins give or take moderator, staff and admin rights (never their own)."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_change_roles() and user.id != actor.id)
    role = Role(role)
    if user.role == role:
        return False
    audit.record(actor, "role", "user", user.id, {"role": user.role}, {"role": role})
    user.role = role
    db.session.flush()
    return True
