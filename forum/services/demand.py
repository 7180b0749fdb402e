"""Demand for product teams: who asked for a post, which companies stand behind them, how much
monthly revenue and how urgent, and the Prioritize list built from the same figures.

Staff only, always: company names, plans and revenue never reach a public page, feed, member email
or the public API (the views that call this check `Guardian.can_see_demand`).

Every figure comes from the vote rows, counted as the vote counter counts them (votes of suspended
or deleted members do not count). Revenue is summed over *distinct* companies: two people of the
same company asking for one post bring its revenue once, and a person who belongs to several
companies brings each of them once.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import String, and_, case, cast, func, select
from sqlalchemy.orm import aliased

from forum import markup
from forum.extensions import db
from forum.models import (
    Category,
    Company,
    CompanyMember,
    Post,
    PostTag,
    Priority,
    Status,
    TagInfo,
    User,
    Vote,
    VoteSource,
    uncounted_voters,
    utcnow,
)
from forum.visibility import visible_posts

VOTERS_SHOWN = 20
ATTRIBUTE_MAX = 80


# -- one post -------------------------------------------------------------------------------
@dataclass
class Voter:
    user: User
    vote: Vote
    recorded_by: User | None
    companies: list[Company] = field(default_factory=list)

    @property
    def source_label(self) -> str:
        if self.vote.source == VoteSource.ON_BEHALF:
            return f"on behalf by {self.recorded_by.display_name}" if self.recorded_by else "on behalf"
        if self.vote.source == VoteSource.IMPORT:
            return "import"
        return "self"


@dataclass
class PlanShare:
    plan: str
    companies: int = 0
    people: int = 0
    revenue: Decimal = Decimal(0)


@dataclass
class WhoAsked:
    people: int
    voters: list[Voter]
    companies: list[tuple[Company, int]]  # each company behind the votes, with how many of its people
    revenue: Decimal
    priorities: dict[str, int]  # Priority value -> votes; "" for votes without one
    by_plan: list[PlanShare]
    by_attribute: dict[str, list[tuple[str, int]]]  # attribute -> [(value, companies)]


def who_asked(post: Post) -> WhoAsked:
    """Everything staff see under "Who asked" on a post, in three queries whatever the votes."""
    counted = Vote.user_id.not_in(uncounted_voters(utcnow()))
    mine = and_(Vote.post_id == post.id, counted)
    priorities = dict(
        db.session.execute(select(func.coalesce(Vote.priority, ""), func.count()).where(mine).group_by(Vote.priority))
        .tuples()
        .all()
    )
    # Each (voter, company) pair: the companies behind the votes, and each shown voter's companies.
    pairs = db.session.execute(
        select(CompanyMember.user_id, Company)
        .join(Company, Company.id == CompanyMember.company_id)
        .join(Vote, Vote.user_id == CompanyMember.user_id)
        .where(mine)
        .order_by(Company.name)
    ).all()
    people_of: dict[int, int] = defaultdict(int)
    companies_by_id: dict[int, Company] = {}
    of_voter: dict[int, list[Company]] = defaultdict(list)
    for user_id, company in pairs:
        people_of[company.id] += 1
        companies_by_id[company.id] = company
        of_voter[user_id].append(company)
    companies = sorted(
        ((company, people_of[company.id]) for company in companies_by_id.values()),
        key=lambda pair: (-(pair[0].monthly_revenue or 0), pair[0].name),
    )
    revenue = sum((c.monthly_revenue or Decimal(0) for c, _ in companies), Decimal(0))
    by_plan: dict[str, PlanShare] = {}
    by_attribute: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for company, count in companies:
        share = by_plan.setdefault(company.plan or "", PlanShare(company.plan or ""))
        share.companies += 1
        share.people += count
        share.revenue += company.monthly_revenue or Decimal(0)
        for key, value in (company.attributes or {}).items():
            if isinstance(value, str):  # a region or an industry; a count of seats is no group
                by_attribute[str(key)][value] += 1
    voters = _voters(mine)
    for voter in voters:
        voter.companies = of_voter.get(voter.user.id, [])
    return WhoAsked(
        people=sum(priorities.values()),
        voters=voters,
        companies=companies,
        revenue=revenue,
        priorities=priorities,
        by_plan=sorted(by_plan.values(), key=lambda s: (-s.revenue, s.plan)),
        by_attribute={
            key: sorted(values.items(), key=lambda kv: (-kv[1], kv[0])) for key, values in sorted(by_attribute.items())
        },
    )


def _voters(mine) -> list[Voter]:
    """The voters staff see first: requests recorded for someone, then people with a company, newest first."""
    recorder = aliased(User)
    in_company = select(CompanyMember.user_id).where(CompanyMember.user_id == Vote.user_id).exists()
    rows = db.session.execute(
        select(Vote, User, recorder)
        .join(User, User.id == Vote.user_id)
        .outerjoin(recorder, recorder.id == Vote.recorded_by_id)
        .where(mine)
        .order_by((Vote.source == VoteSource.SELF.value), in_company.desc(), Vote.created_at.desc(), Vote.id.desc())
        .limit(VOTERS_SHOWN)
    ).all()
    return [Voter(user, vote, by) for vote, user, by in rows]


def companies_of(user_ids: list[int]) -> list[list[Company]]:
    """Each person's companies (in the order of `user_ids`), in one query."""
    found: dict[int, list[Company]] = defaultdict(list)
    if user_ids:
        for user_id, company in db.session.execute(
            select(CompanyMember.user_id, Company)
            .join(Company, Company.id == CompanyMember.company_id)
            .where(CompanyMember.user_id.in_(set(user_ids)))
            .order_by(Company.name)
        ):
            found[user_id].append(company)
    return [found[user_id] for user_id in user_ids]


# -- the Prioritize list ----------------------------------------------------------------------
SORTS = {
    "title": "Post",
    "status": "Status",
    "votes": "Votes",
    "companies": "Companies",
    "revenue": "Monthly revenue",
    "priority": "Priority",
    "blockers": "Blockers",
}


@dataclass(frozen=True)
class DemandFilters:
    plan: str | None = None
    attribute: tuple[str, str] | None = None  # (name, value): companies whose attribute has that value
    category: Category | None = None
    status: str | None = None  # a status's slug
    tag: TagInfo | None = None
    sort: str = "priority"
    descending: bool = True

    @property
    def by_company(self) -> bool:
        """Figures restricted to the voters of some companies (the rest of the voters left out)."""
        return self.plan is not None or self.attribute is not None


@dataclass
class DemandRow:
    post: Post
    votes: int
    companies: int
    revenue: Decimal
    priority: int
    blockers: int


def _company_condition(filters: DemandFilters):
    conditions = []
    if filters.plan is not None:
        conditions.append(Company.plan == filters.plan)
    if filters.attribute is not None:
        name, value = filters.attribute
        # Numbers and text alike: an attribute of 40 seats matches "40".
        conditions.append(cast(Company.attributes[name].as_string(), String) == value)
    return and_(*conditions)


def _statement(guardian, filters: DemandFilters):
    counted = Vote.user_id.not_in(uncounted_voters(utcnow()))
    votes = select(Vote.post_id, Vote.user_id, Vote.priority).where(counted)
    if filters.by_company:
        members = (
            select(CompanyMember.user_id)
            .join(Company, Company.id == CompanyMember.company_id)
            .where(_company_condition(filters))
        )
        votes = votes.where(Vote.user_id.in_(members))
    votes = votes.subquery()
    weight = case({p.value: p.weight for p in Priority}, value=votes.c.priority, else_=1)
    vote_stats = (
        select(
            votes.c.post_id,
            func.count().label("votes"),
            func.sum(weight).label("priority"),
            func.sum(case((votes.c.priority == Priority.BLOCKER.value, 1), else_=0)).label("blockers"),
        )
        .group_by(votes.c.post_id)
        .subquery()
    )
    # Each (post, company) once, then each company's revenue once per post.
    pairs = (
        select(votes.c.post_id, CompanyMember.company_id)
        .join(CompanyMember, CompanyMember.user_id == votes.c.user_id)
        .join(Company, Company.id == CompanyMember.company_id)
    )
    if filters.by_company:
        pairs = pairs.where(_company_condition(filters))
    pairs = pairs.distinct().subquery()
    company_stats = (
        select(
            pairs.c.post_id,
            func.count().label("companies"),
            func.sum(func.coalesce(Company.monthly_revenue, 0)).label("revenue"),
        )
        .join(Company, Company.id == pairs.c.company_id)
        .group_by(pairs.c.post_id)
        .subquery()
    )
    columns = {
        "votes": func.coalesce(vote_stats.c.votes, 0),
        "companies": func.coalesce(company_stats.c.companies, 0),
        "revenue": func.coalesce(company_stats.c.revenue, 0),
        "priority": func.coalesce(vote_stats.c.priority, 0),
        "blockers": func.coalesce(vote_stats.c.blockers, 0),
    }
    statement = select(Post, *(column.label(name) for name, column in columns.items()))
    if filters.by_company:
        statement = statement.join(vote_stats, vote_stats.c.post_id == Post.id)  # posts these companies asked for
    else:
        statement = statement.outerjoin(vote_stats, vote_stats.c.post_id == Post.id)
    statement = (
        statement.outerjoin(company_stats, company_stats.c.post_id == Post.id)
        .where(visible_posts(guardian), Post.status != Status.DUPLICATE.value)  # a duplicate's votes moved
        .options(db.joinedload(Post.category))
    )
    if filters.category is not None:
        statement = statement.where(Post.category_id == filters.category.id)
    if filters.tag is not None:
        statement = statement.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag_id == filters.tag.id)))
    if filters.status is not None:
        statement = statement.where(Post.status == filters.status)
    order = {"title": func.lower(Post.title), "status": Post.status, **columns}[filters.sort]
    # Ties (many posts with no company behind them) fall back on priority, then votes.
    tie_breaks = [columns["priority"].desc(), columns["votes"].desc(), Post.id.desc()]
    return statement.order_by(order.desc() if filters.descending else order.asc(), *tie_breaks)


def prioritize(guardian, filters: DemandFilters, *, page: int = 1, per_page: int = 25) -> tuple[list[DemandRow], bool]:
    """One page of posts by demand; and whether a next page exists."""
    rows = db.session.execute(_statement(guardian, filters).offset((page - 1) * per_page).limit(per_page + 1)).all()
    return [DemandRow(*row) for row in rows[:per_page]], len(rows) > per_page


def every_row(guardian, filters: DemandFilters):
    """Every post by demand, read in batches (the CSV)."""
    for row in db.session.execute(_statement(guardian, filters).execution_options(yield_per=500)):
        yield DemandRow(*row)


def plans() -> list[str]:
    return list(
        db.session.scalars(select(Company.plan).where(Company.plan.is_not(None)).distinct().order_by(Company.plan))
    )


def attribute_choices() -> list[tuple[str, str]]:
    """Every (attribute, value) the companies have, for the filter's list."""
    seen = set()
    for attributes in db.session.scalars(select(Company.attributes)):
        for key, value in (attributes or {}).items():
            if isinstance(value, str):  # groups (a region, an industry), not figures (seats)
                seen.add((str(key)[:ATTRIBUTE_MAX], str(value)[:ATTRIBUTE_MAX]))
    return sorted(seen)


# -- finding a person to record a vote for ------------------------------------------------------
@dataclass
class Contact:
    user: User
    companies: list[Company]


def find_people(text: str, limit: int = 10) -> list[Contact]:
    """People whose name or email contains `text`, and the people of companies whose name does."""
    text = markup.clean_text(text).strip().lower()  # no NUL: PostgreSQL refuses it in text
    if len(text) < 2:
        return []
    pattern = "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    of_company = (
        select(CompanyMember.user_id)
        .join(Company, Company.id == CompanyMember.company_id)
        .where(func.lower(Company.name).like(pattern, escape="\\"))
    )
    users = list(
        db.session.scalars(
            select(User)
            .where(
                User.deleted_at.is_(None),
                func.lower(User.display_name).like(pattern, escape="\\")
                | func.lower(User.email).like(pattern, escape="\\")
                | User.id.in_(of_company),
            )
            .order_by(User.display_name, User.id)
            .limit(limit)
        )
    )
    return [Contact(u, c) for u, c in zip(users, companies_of([u.id for u in users]), strict=True)]
