"""Which companies people belong to, for staff views only: revenue and company names never reach a
public page, a feed or an email to members (Guardian.can_see_companies decides who asks)."""

from forum.services import demand


def companies_of(user_ids) -> dict[int, list[str]]:
    """Each person's companies' names, sorted, in one query; people without one are left out."""
    ids = sorted({i for i in user_ids if i is not None})
    found = zip(ids, demand.companies_of(ids), strict=True)
    return {user_id: [company.name for company in theirs] for user_id, theirs in found if theirs}
