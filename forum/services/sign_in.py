"""Signing in from elsewhere: the company's hand-off token (GET /sso) and OpenID Connect providers.

Both end in the same place: an identity (provider, subject) linked to a member here, created on
first sign-in. An address is linked to an existing account only when that account proved it reads
the address's mail (`User.email_verified_at`): otherwise whoever registered someone else's address
first, with a password of their choosing, would share the real owner's account once the owner signed
in from elsewhere. Nothing a token or provider says gives a role: new accounts are members.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import generate_password_hash

from forum.extensions import db
from forum.models import SSO_PROVIDER, Identity, Role, SignInProvider, UsedSignInToken, User, utcnow
from forum.permissions import TEAM_ROLES
from forum.services import accounts, companies

# A token lives at most this long ahead of now (its `exp`); a longer-lived one is refused.
MAX_TOKEN_LIFETIME = timedelta(minutes=10)
# Clocks of two servers differ a little.
LEEWAY = timedelta(seconds=30)
MIN_SECRET_BYTES = 32
MAX_TOKEN_LENGTH = 8192


class SignInRefused(Exception):
    """A sign-in that cannot go on, with what to tell the person."""

    def __init__(self, message: str, *, status: int = 400):
        super().__init__(message)
        self.message = message
        self.status = status


@dataclass(frozen=True)
class HandOff:
    """A hand-off token that passed every check. `claims` is the whole verified payload, for whatever
    else a category or a report wants to read from it later."""

    subject: str
    email: str
    name: str
    jti: str
    expires_at: datetime
    company: companies.CompanyFacts | None
    claims: dict[str, Any]


def read_hand_off(token: str | None, secret: str | None, now: datetime | None = None) -> HandOff:
    """The token's claims once its signature (HS256 with `secret`, nothing else), expiry and shape
    are checked. Raises SignInRefused saying what was wrong. Does not mark it used: see `use_token`."""
    now = now or utcnow()
    if not secret or len(secret.encode()) < MIN_SECRET_BYTES:
        raise SignInRefused("Sign-in from the company's app is not set up on this site.", status=404)
    if not token:
        raise SignInRefused("This sign-in link carries no token. Sign in again from the app.")
    if len(token) > MAX_TOKEN_LENGTH:
        raise SignInRefused("This sign-in token is far too long to be one.")
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            options={"require": ["exp", "jti", "sub"], "verify_aud": False, "enforce_minimum_key_length": True},
            leeway=LEEWAY,
        )
    except jwt.ExpiredSignatureError:
        raise SignInRefused("This sign-in link has expired. Sign in again from the app.") from None
    except jwt.InvalidAlgorithmError:
        raise SignInRefused("This sign-in token is not signed with HS256, the one algorithm accepted here.") from None
    except jwt.InvalidSignatureError:
        raise SignInRefused(
            "This sign-in token's signature is wrong: it was not signed with this site's key."
        ) from None
    except jwt.MissingRequiredClaimError as error:
        raise SignInRefused(f"This sign-in token has no “{error.claim}” claim.") from None
    except jwt.ImmatureSignatureError:
        raise SignInRefused("This sign-in token is not valid yet (its “nbf” is in the future).") from None
    except (jwt.exceptions.InvalidSubjectError, jwt.exceptions.InvalidJTIError) as error:
        raise SignInRefused(f"This sign-in token is malformed: {error}.") from None
    except jwt.InvalidTokenError:
        raise SignInRefused("This sign-in token is malformed: it is not a signed JSON Web Token.") from None
    expires_at = datetime.fromtimestamp(int(claims["exp"]), UTC)
    if expires_at > now + MAX_TOKEN_LIFETIME + LEEWAY:
        raise SignInRefused("This sign-in token lives too long: its expiry may be at most 10 minutes ahead.")
    subject, jti = _short_text(claims, "sub", 255), _short_text(claims, "jti", 255)
    email = _email(claims.get("email"))
    if email is None:
        raise SignInRefused("This sign-in token has no valid “email” claim.")
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    company = None
    if claims.get("company") is not None:
        try:
            company = companies.facts_from_claim(claims["company"])
        except ValueError as error:
            raise SignInRefused(f"This sign-in token's “company” claim is not valid: {error}") from None
    return HandOff(subject, email, name, jti, expires_at, company, claims)


def _short_text(claims: dict, name: str, limit: int) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit or "\x00" in value:
        raise SignInRefused(f"This sign-in token's “{name}” claim must be a text of 1 to {limit} characters.")
    return value


def _email(value) -> str | None:
    if not isinstance(value, str) or len(value) > 254:
        return None
    try:
        return validate_email(value, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def use_token(hand_off: HandOff) -> None:
    """Mark the token's `jti` used until it expires; raises SignInRefused if it was used before. The
    primary key decides a race between two requests bearing the same token."""
    now = utcnow()
    db.session.execute(delete(UsedSignInToken).where(UsedSignInToken.expires_at < now - LEEWAY))
    try:
        with db.session.begin_nested():
            db.session.add(UsedSignInToken(jti=hand_off.jti, expires_at=hand_off.expires_at + LEEWAY))
    except IntegrityError:
        raise SignInRefused("This sign-in link was already used. Sign in again from the app.") from None


# Who the token names and when it is valid: never a reason to admit anyone to a category.
REGISTERED_CLAIMS = frozenset({"sub", "email", "name", "exp", "iat", "nbf", "jti", "iss", "aud", "company", "role"})


def sign_in_with_hand_off(hand_off: HandOff) -> User:
    """The member the token names: found by identity, linked by a proven address, or created; their
    company recorded. A team account never signs in this way (a leaked secret must not open staff
    tools)."""
    user = _member_for(SSO_PROVIDER, hand_off.subject, hand_off.email, hand_off.name, email_proven=False)
    _refuse_team(user, "the company's app")
    # The token's own claims beyond who and when: a restricted category may admit by one ("tier=beta").
    user.sso_claims = {k: v for k, v in hand_off.claims.items() if k not in REGISTERED_CLAIMS}
    if hand_off.company is not None:
        company = companies.record(hand_off.company)
        companies.add_member(company, user)
    db.session.flush()
    return user


def sign_in_with_provider(provider: SignInProvider, claims: dict[str, Any]) -> User:
    """The member an OpenID Connect provider's ID token names (its signature, issuer, audience, nonce
    and expiry already checked by Authlib). The address must be one the provider verified, in one of
    the provider's allowed domains."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not subject or len(subject) > 255 or "\x00" in subject:
        raise SignInRefused(f"{provider.display_name} did not say who you are.")
    email = _email(claims.get("email"))
    if email is None:
        raise SignInRefused(f"{provider.display_name} did not share your email address, which this site needs.")
    if claims.get("email_verified") not in (True, "true"):
        raise SignInRefused(
            f"{provider.display_name} has not verified your email address {email}. "
            f"Verify it with {provider.display_name}, then sign in again."
        )
    domain = email.rsplit("@", 1)[1]
    if provider.domains and domain not in provider.domains:
        raise SignInRefused(
            f"Addresses at {domain} cannot sign in with {provider.display_name} here. "
            f"Allowed: {', '.join(provider.domains)}.",
            status=403,
        )
    name = claims.get("name") or claims.get("preferred_username") or ""
    return _member_for(provider.issuer, subject, email, name if isinstance(name, str) else "", email_proven=True)


def _member_for(provider: str, subject: str, email: str, name: str, *, email_proven: bool) -> User:
    now = utcnow()
    identity = db.session.scalars(
        select(Identity).where(Identity.provider == provider, Identity.subject == subject)
    ).first()
    if identity is not None:
        user = db.session.get(User, identity.user_id)
        _update_from_claims(user, email, name, email_proven)
    else:
        user = accounts.find_by_email(email)
        if user is None:
            user = _new_member(email, name, verified_at=now if email_proven else None)
        elif user.is_placeholder and email_proven:
            # Staff recorded a vote for this address: the provider proved it is theirs, so it is claimed.
            accounts.claim(user, password_hash=generate_password_hash(secrets.token_urlsafe(32)))
            user.email_verified_at = now
        elif user.email_verified_at is None:
            raise SignInRefused(
                f"An account with the address {email} exists here, but it has never confirmed that address. "
                "To link it, confirm the address first: ask for a password reset and follow the link "
                "we email you, then sign in this way again.",
                status=409,
            )
        identity = Identity(user_id=user.id, provider=provider, subject=subject, created_at=now)
        db.session.add(identity)
    if user.deleted_at is not None:
        raise SignInRefused("This account was deleted.", status=403)
    identity.email = email
    identity.last_used_at = now
    db.session.flush()
    return user


def _refuse_team(user: User, where: str) -> None:
    if user.role in TEAM_ROLES:
        raise SignInRefused(
            f"This is a team account: it cannot be signed in from {where}. Sign in with your password.",
            status=403,
        )


def _new_member(email: str, name: str, *, verified_at: datetime | None) -> User:
    user = User(
        email=email,
        display_name=_display_name(name, email),
        # Nobody knows this password: the member signs in from elsewhere, or sets one by a reset.
        password_hash=generate_password_hash(secrets.token_urlsafe(32)),
        role=Role.MEMBER,
        email_verified_at=verified_at,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _update_from_claims(user: User, email: str, name: str, email_proven: bool) -> None:
    """The other side is where the person keeps their name and address: follow it when it changes."""
    if name:
        cleaned = accounts.clean_display_name(name)[: accounts.NAME_MAX]
        if cleaned != user.display_name and accounts.display_name_problem(cleaned, user) is None:
            user.display_name = cleaned
    if email != user.email and accounts.find_by_email(email) is None:
        user.email = email
        user.email_verified_at = utcnow() if email_proven else None
    elif email == user.email and email_proven and user.email_verified_at is None:
        user.email_verified_at = utcnow()


def _display_name(name: str, email: str) -> str:
    """The name the other side gave, unless it could pass for the team's: then the address's first
    part, or a plain "Member"."""
    for candidate in (name, email.split("@", 1)[0]):
        cleaned = accounts.clean_display_name(candidate)[: accounts.NAME_MAX].strip()
        if cleaned and accounts.display_name_problem(cleaned) is None:
            return cleaned
    return "Member"


def ways_in(user: User, company_name: str) -> list[tuple[str, datetime]]:
    """Where the member signs in besides a password, as they would name it, with the last time."""
    names = dict(db.session.execute(select(SignInProvider.issuer, SignInProvider.display_name)).all())
    rows = db.session.scalars(select(Identity).where(Identity.user_id == user.id).order_by(Identity.created_at))
    return [
        (
            f"{company_name}'s app" if row.provider == SSO_PROVIDER else names.get(row.provider, row.provider),
            row.last_used_at,
        )
        for row in rows
    ]
