"""Which companies people belong to, for staff views only: revenue and company names never reach a
public page, a feed or an email to members (Guardian.can_see_companies decides who asks)."""

from sqlalchemy import select

from forum.extensions import db
from forum.models import Company, CompanyMember


def companies_of(user_ids) -> dict[int, list[str]]:
    """Each person's companies' names, sorted, in one query; people without one are left out."""
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    found: dict[int, list[str]] = {}
    rows = db.session.execute(
        select(CompanyMember.user_id, Company.name)
        .join(Company, Company.id == CompanyMember.company_id)
        .where(CompanyMember.user_id.in_(ids))
        .order_by(CompanyMember.user_id, Company.name)
    )
    for user_id, name in rows:
        found.setdefault(user_id, []).append(name)
    return found
