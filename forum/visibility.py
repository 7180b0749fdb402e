"""The one rule for "may this person see this post": every surface asks here.

`Guardian.can_see_post` answers for one post in Python; `visible_posts` is the same rule as SQL for
lists, searches, feeds, exports, the API, webhooks and counts. Keep the two in step: they are tested
together (tests/test_visibility.py).

A post is seen when both hold:

- the post itself: moderators see hidden and deleted posts, an author their own hidden (held)
  post, everyone else posts neither hidden nor deleted;
- its category (`Visibility`): public to all, `members` to anyone signed in, `staff` to staff and
  admins, `restricted` to moderators, staff and the members it admits (an email domain, a company
  by its external id, a plan of one of their companies, or a claim of their sign-in token). The
  category rule binds authors too: a post moved into a category its author may not see leaves
  their sight with everyone else's.

The category half is decided in Python only (`admits`), once per Guardian: `hidden_categories`
applies it to every category that is not public (a few) and gives the ids the person may not see.
`can_see_post` looks the post's category up there, and `visible_posts` leaves those ids out, so
the rule has one copy. Nothing is cached across requests: a category changed or a post moved is
seen by the very next query.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask import g, has_app_context
from sqlalchemy import ColumnElement, Integer, and_, bindparam, event, select, true
from sqlalchemy.orm import Session

from forum.extensions import db
from forum.models import Category, Company, CompanyMember, Post, Visibility


@dataclass(frozen=True, slots=True)
class CategoryChoice:
    """A category as lists, filters, forms and the rule read it: plain values, hashable like a card."""

    id: int
    slug: str
    name: str
    description: str
    visibility: str = Visibility.PUBLIC
    allowed_domains: tuple[str, ...] = ()
    allowed_companies: tuple[str, ...] = ()
    allowed_plans: tuple[str, ...] = ()
    allowed_claims: tuple[str, ...] = ()

    @property
    def visibility_enum(self) -> Visibility:
        return Visibility(self.visibility)


_CATEGORIES = select(
    Category.id, Category.slug, Category.name, Category.description, Category.visibility,
    Category.allowed_domains, Category.allowed_companies, Category.allowed_plans, Category.allowed_claims,
).order_by(Category.position, Category.name)  # fmt: skip


def all_categories() -> tuple[CategoryChoice, ...]:
    """Every category in menu order, read once per request (or until the next commit outside one):
    the menus and the rule both need them, and a page asks several times."""
    kept = g.get("visibility_categories") if has_app_context() else None
    if kept is None:
        kept = tuple(
            CategoryChoice(*row[:5], *(tuple(str(v) for v in values or ()) for values in row[5:]))
            for row in db.session.connection().execute(_CATEGORIES)
        )
        if has_app_context():
            g.visibility_categories = kept
    return kept


def _forget_categories(session) -> None:
    # A commit (a category edited) or a rollback: the next question reads the table again.
    if has_app_context():
        g.pop("visibility_categories", None)


for _hook in ("after_commit", "after_rollback"):
    if not event.contains(Session, _hook, _forget_categories):
        event.listen(Session, _hook, _forget_categories)


@dataclass(frozen=True)
class Audience:
    """What a restricted category may admit a member by."""

    domain: str = ""
    companies: frozenset[str] = frozenset()  # external ids
    plans: frozenset[str] = frozenset()
    claims: frozenset[str] = frozenset()  # "key=value", values as text


def audience_of(user) -> Audience:
    """The member's email domain, companies, their plans and token claims (one query)."""
    email = (user.email or "").strip().lower()
    rows = db.session.execute(
        select(Company.external_id, Company.plan)
        .join(CompanyMember, CompanyMember.company_id == Company.id)
        .where(CompanyMember.user_id == user.id)
    ).all()
    return Audience(
        domain=email.rpartition("@")[2],
        companies=frozenset(row.external_id for row in rows),
        plans=frozenset(row.plan.strip().lower() for row in rows if row.plan),
        claims=frozenset(_claim_pairs(user.sso_claims or {})),
    )


def _claim_pairs(claims: dict) -> Iterable[str]:
    for key, value in claims.items():
        for one in value if isinstance(value, list) else [value]:
            if isinstance(one, bool):
                one = "true" if one else "false"
            if isinstance(one, str | int | float):
                yield f"{key}={one}"


def is_public(category_id: int) -> bool:
    """Whether everyone may see the category's posts."""
    return any(c.id == category_id and c.visibility == Visibility.PUBLIC for c in all_categories())


def admits(category, guardian) -> bool:
    """Whether the category's posts may be shown to the Guardian's person (the category half of the rule)."""
    visibility = Visibility(category.visibility)
    if visibility is Visibility.PUBLIC:
        return True
    if visibility is Visibility.MEMBERS:
        return guardian.is_member
    if visibility is Visibility.STAFF:
        return guardian.is_staff
    if guardian.is_moderator:
        return True
    if not guardian.is_member:
        return False
    audience = guardian.audience()
    return bool(
        audience.domain in {d.lower() for d in category.allowed_domains or ()}
        or audience.companies & set(category.allowed_companies or ())
        or audience.plans & {p.lower() for p in category.allowed_plans or ()}
        or audience.claims & set(category.allowed_claims or ())
    )


def hidden_categories(guardian) -> frozenset[int]:
    """The ids of the categories whose posts the Guardian's person may not see."""
    if guardian.is_staff:
        return frozenset()
    return frozenset(c.id for c in all_categories() if not admits(c, guardian))


def visible_posts(guardian) -> ColumnElement[bool]:
    """SQL: the posts a list, search, feed or count may show to `guardian` (a Guardian)."""
    return condition(shape(guardian), params(guardian))


# A statement built once and kept (the home list's, the roadmap's) is built from `condition(shape)`,
# kept by shape, and run with `params(guardian)`: the person's id and hidden categories are bound
# values, so three shapes cover everyone.
@dataclass(frozen=True)
class Shape:
    sees_hidden_posts: bool  # moderators: hidden and deleted posts too
    member: bool  # an author's own hidden post
    hides_categories: bool


def shape(guardian) -> Shape:
    return Shape(guardian.is_moderator, guardian.is_member, bool(guardian.hidden_category_ids()))


def params(guardian) -> dict:
    values = {}
    if guardian.is_member and not guardian.is_moderator:
        values[VIEWER] = guardian.user.id
    hidden = guardian.hidden_category_ids()
    if hidden:
        values[HIDDEN] = sorted(hidden)
    return values


VIEWER = "visibility_viewer_id"
HIDDEN = "visibility_hidden_categories"


def condition(shape: Shape, values: dict | None = None) -> ColumnElement[bool]:
    """`visible_posts` for a shape; without `values`, a kept statement's, which then must be run with
    `params()` (its parameters are required: it never runs with someone else's)."""

    def value(name: str, **kwargs):
        if values is None:
            return bindparam(name, type_=Integer, **kwargs)
        return bindparam(name, values[name], type_=Integer, unique=True, **kwargs)

    conditions = []
    if not shape.sees_hidden_posts:
        shown = Post.public()
        if shape.member:
            shown = shown | and_(Post.deleted_at.is_(None), Post.author_id == value(VIEWER))
        conditions.append(shown)
    if shape.hides_categories:
        conditions.append(Post.category_id.not_in(value(HIDDEN, expanding=True)))
    return and_(*conditions) if conditions else true()
