"""The companies behind the customers: who asked, and how much revenue stands behind a request."""

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import db
from forum.models.base import UTCDateTime, utcnow


class Company(db.Model):
    """A customer company, keyed by the company's own id for it (what the sign-in token, the CSV
    import and the API name it by). Revenue and plan are for staff only: never on public pages."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    plan: Mapped[str | None] = mapped_column(String(80))
    monthly_revenue: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    # Custom attributes the company sends ({"region": "EU", "seats": 40}); strings and numbers only.
    attributes: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.external_id!r}>"


class CompanyMember(db.Model):
    """A person belongs to a company (one person may belong to several)."""

    __tablename__ = "company_members"
    __table_args__ = (Index("ix_company_members_company_id", "company_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
