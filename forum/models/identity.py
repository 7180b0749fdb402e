"""Who a person is elsewhere: the company's app (token hand-off) and OpenID Connect providers."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow

# The provider of identities that come from the company's signed token (GET /sso).
SSO_PROVIDER = "sso"


class Identity(db.Model):
    """One account at one provider, linked to a member here; one person may have several.

    `provider` is "sso" for the company's token, and the issuer URL for OpenID Connect: OpenID
    promises a subject unique within its issuer, so (issuer, sub) outlives a provider renamed or
    removed and added again here."""

    __tablename__ = "identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_identities_provider_subject"),
        Index("ix_identities_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    provider: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    # The address the provider gave at the last sign-in, for staff reading a person's identities.
    email: Mapped[str | None] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class UsedSignInToken(db.Model):
    """A hand-off token's single-use id (`jti`), kept until the token expires: a token seen twice is
    refused. The primary key decides between two requests racing with the same token."""

    __tablename__ = "used_sign_in_tokens"
    __table_args__ = (Index("ix_used_sign_in_tokens_expires_at", "expires_at"),)

    jti: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SignInProvider(db.Model):
    """An OpenID Connect provider an admin set up (Google, Microsoft, Okta, Keycloak...)."""

    __tablename__ = "sign_in_providers"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    issuer: Mapped[str] = mapped_column(String(255))
    client_id: Mapped[str] = mapped_column(String(255))
    # Needed in clear to authenticate to the provider; never shown again once saved.
    client_secret: Mapped[str] = mapped_column(String(500))
    # Lower-case domains, comma-separated; empty: any address the provider has verified.
    allowed_domains: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def domains(self) -> list[str]:
        return [d for d in (self.allowed_domains or "").split(",") if d]


class CompanyImport(db.Model):
    """An uploaded CSV of companies between its preview and its confirmation: the rows that passed
    and those refused, with the reason for each."""

    __tablename__ = "company_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    rows: Mapped[list] = mapped_column(JSON, default=list)
    rejected: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
