"""Categories as admins set them up: names and who may see their posts (forum/visibility.py)."""

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Category, User, Visibility
from forum.permissions import Guardian
from forum.services import Refused, audit
from forum.services.posts import slugify

DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
CLAIM = re.compile(r"[A-Za-z0-9_.:-]{1,80}=[^\s=,]{1,200}")
LIST_MAX = 200  # entries per list: a restricted category names a few domains, companies or plans


@dataclass(frozen=True)
class Audience:
    """Whom a restricted category admits, as an admin typed it (already checked)."""

    domains: list[str]
    companies: list[str]
    plans: list[str]
    claims: list[str]


def entries(text: str) -> list[str]:
    """The entries of a list typed in one field, separated by commas, spaces or lines, each once."""
    seen: dict[str, None] = {}
    for entry in re.split(r"[\s,]+", text or ""):
        if entry:
            seen.setdefault(entry, None)
    return list(seen)


def read_audience(domains: str, companies: str, plans: str, claims: str) -> tuple[Audience, dict[str, str]]:
    """The lists of an admin's form, and a problem per field that has one."""
    problems = {}
    found_domains = [d.lower().removeprefix("@") for d in entries(domains)]
    bad = [d for d in found_domains if not DOMAIN.fullmatch(d)]
    if bad:
        problems["allowed_domains"] = f"“{bad[0][:60]}” is not an email domain (write it as example.com)."
    found_claims = [c.removeprefix("claim:") for c in entries(claims)]
    bad = [c for c in found_claims if not CLAIM.fullmatch(c)]
    if bad:
        problems["allowed_claims"] = f"“{bad[0][:60]}” is not a claim rule: write key=value, such as tier=gold."
    found_companies = entries(companies)
    if any(len(c) > 200 for c in found_companies):
        problems["allowed_companies"] = "A company's external id has 200 characters at most."
    found_plans = [p.lower() for p in entries(plans)]
    if any(len(p) > 80 for p in found_plans):
        problems["allowed_plans"] = "A plan's name has 80 characters at most."
    for field, values in (("allowed_domains", found_domains), ("allowed_companies", found_companies),
                          ("allowed_plans", found_plans), ("allowed_claims", found_claims)):  # fmt: skip
        if len(values) > LIST_MAX:
            problems[field] = f"List {LIST_MAX} entries at most."
    return Audience(found_domains, found_companies, found_plans, found_claims), problems


def _state(category: Category) -> dict:
    return {
        "name": category.name,
        "description": category.description,
        "visibility": str(category.visibility),
        "allowed_domains": list(category.allowed_domains or []),
        "allowed_companies": list(category.allowed_companies or []),
        "allowed_plans": list(category.allowed_plans or []),
        "allowed_claims": list(category.allowed_claims or []),
    }


def save_category(
    actor: User, category: Category | None, *, name: str, description: str, visibility: Visibility, audience: Audience
) -> Category:
    """Create a category (None) or change one, audited. A restricted category must admit someone
    beyond the team; the lists are kept only for restricted ones."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_manage_categories())
    visibility = Visibility(visibility)
    restricted = visibility is Visibility.RESTRICTED
    if restricted and not any((audience.domains, audience.companies, audience.plans, audience.claims)):
        raise Refused("A restricted category needs at least one email domain, company, plan or claim. "
                      "To keep it to the team, choose Staff only.")  # fmt: skip
    before = _state(category) if category is not None else None
    if category is None:
        category = Category(slug=_free_slug(name), position=_next_position())
        db.session.add(category)
    category.name, category.description, category.visibility = name, description, visibility
    category.allowed_domains = audience.domains if restricted else []
    category.allowed_companies = audience.companies if restricted else []
    category.allowed_plans = audience.plans if restricted else []
    category.allowed_claims = audience.claims if restricted else []
    db.session.flush()
    after = _state(category)
    if before != after:
        audit.record(actor, "category_create" if before is None else "category_change", "category", category.id,
                     before, after)  # fmt: skip
    return category


def _free_slug(name: str) -> str:
    base = slugify(name)[:50]
    taken = set(db.session.scalars(select(Category.slug).where(Category.slug.like(f"{base}%"))))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _next_position() -> int:
    return (db.session.scalar(select(func.max(Category.position))) or 0) + 1
