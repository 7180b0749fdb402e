"""Companies: recorded from a sign-in token's claim or from an admin's CSV import (previewed first).

A company is keyed by the company's own id for it (`external_id`). Plan and monthly revenue are for
staff only. An empty cell or a missing claim field leaves what is recorded as it is.
"""

import csv
import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import func, select

from forum import markup
from forum.extensions import db
from forum.models import Company, CompanyImport, CompanyMember, User, utcnow
from forum.permissions import Guardian
from forum.services import audit

EXTERNAL_ID_MAX = 200
NAME_MAX = 200
PLAN_MAX = 80
ATTRIBUTE_NAME_MAX = 60
ATTRIBUTE_VALUE_MAX = 500
MAX_ATTRIBUTES = 30
MAX_REVENUE = Decimal("999999999999.99")  # what Numeric(14, 2) holds
MAX_IMPORT_ROWS = 10_000
KNOWN_COLUMNS = ("external_id", "name", "plan", "monthly_revenue")
# Revenue as people write it: digits, thousands separated by commas, an optional decimal part.
_REVENUE = re.compile(r"\d{1,3}(,\d{3})*(\.\d{1,2})?|\d+(\.\d{1,2})?")


@dataclass(frozen=True)
class CompanyFacts:
    external_id: str
    name: str | None = None
    plan: str | None = None
    monthly_revenue: Decimal | None = None
    attributes: dict[str, str] = field(default_factory=dict)


def _text(value, what: str, limit: int, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise ValueError(f"{what} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"{what} must be text")
    text = markup.one_line(str(value))
    if not text:
        if required:
            raise ValueError(f"{what} is empty")
        return None
    if len(text) > limit:
        raise ValueError(f"{what} is longer than {limit} characters")
    return text


def _revenue(value) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError("monthly revenue must be a number")
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError("monthly revenue must be a number")
    text = value.strip().removeprefix("$").strip()
    if not _REVENUE.fullmatch(text):
        raise ValueError(f"monthly revenue “{value[:40]}” is not an amount like 1200 or 1,200.50")
    try:
        amount = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise ValueError(f"monthly revenue “{value[:40]}” is not an amount") from None
    if amount > MAX_REVENUE:
        raise ValueError("monthly revenue is too large")
    return amount


def facts_from_claim(claim) -> CompanyFacts:
    """A sign-in token's `company` claim ({id, name, plan, mrr}); raises ValueError saying what is wrong."""
    if not isinstance(claim, dict):
        raise ValueError("it must be an object with id, name, plan and mrr")
    return CompanyFacts(
        external_id=_text(claim.get("id"), "id", EXTERNAL_ID_MAX, required=True),
        name=_text(claim.get("name"), "name", NAME_MAX),
        plan=_text(claim.get("plan"), "plan", PLAN_MAX),
        monthly_revenue=_revenue(claim.get("mrr")),
    )


def find(external_id: str) -> Company | None:
    return db.session.scalars(select(Company).where(Company.external_id == external_id)).first()


def changes(company: Company | None, facts: CompanyFacts) -> dict[str, Any]:
    """What recording `facts` would change: {field: new value}; everything for a new company."""
    wanted: dict[str, Any] = {"name": facts.name or (company.name if company else facts.external_id)}
    if facts.plan is not None:
        wanted["plan"] = facts.plan
    if facts.monthly_revenue is not None:
        wanted["monthly_revenue"] = facts.monthly_revenue
    if facts.attributes:
        wanted["attributes"] = {**((company.attributes or {}) if company else {}), **facts.attributes}
    if company is None:
        return wanted
    return {name: value for name, value in wanted.items() if getattr(company, name) != value}


def record(facts: CompanyFacts) -> Company:
    """Create the company or bring it up to date."""
    company = find(facts.external_id)
    if company is None:
        company = Company(external_id=facts.external_id, name=facts.external_id, attributes={})
        db.session.add(company)
    for name, value in changes(company if company.id else None, facts).items():
        setattr(company, name, value)
    db.session.flush()
    return company


def add_member(company: Company, user: User) -> None:
    """The person belongs to the company (as well as to any others)."""
    if db.session.get(CompanyMember, (user.id, company.id)) is None:
        db.session.add(CompanyMember(user_id=user.id, company_id=company.id))
        db.session.flush()


def with_member_counts() -> list[tuple[Company, int]]:
    counts = (
        select(CompanyMember.company_id, func.count().label("members")).group_by(CompanyMember.company_id).subquery()
    )
    query = (
        select(Company, func.coalesce(counts.c.members, 0))
        .outerjoin(counts, counts.c.company_id == Company.id)
        .order_by(func.lower(Company.name), Company.id)
    )
    return [(company, members) for company, members in db.session.execute(query)]


# -- the CSV import ------------------------------------------------------------------------------
class ImportRefused(ValueError):
    """The file as a whole cannot be read (not its rows: those are refused one by one)."""


def read_csv(data: bytes) -> tuple[list[dict], list[dict]]:
    """The rows that can be recorded, as JSON-ready dicts, and the rows refused, each with its line
    number and reason. Raises ImportRefused for a file that is no CSV of companies at all."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.") from None
    if "\x00" in text:
        raise ImportRefused("The file holds binary data, not CSV text.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as error:
        raise ImportRefused(f"The file could not be read as CSV: {error}.") from None
    if not header:
        raise ImportRefused("The file is empty. Its first line must name the columns: " + ",".join(KNOWN_COLUMNS) + ".")
    columns = [markup.one_line(name).lower() for name in header]
    missing = [name for name in ("external_id", "name") if name not in columns]
    if missing:
        raise ImportRefused(
            f"The first line must name the columns; “{'” and “'.join(missing)}” {'is' if len(missing) == 1 else 'are'} "
            "missing. Expected: external_id,name,plan,monthly_revenue, then any columns of your own."
        )
    seen_columns = set()
    for name in columns:
        if not name or name in seen_columns or len(name) > ATTRIBUTE_NAME_MAX:
            problem = "an empty column name" if not name else f"the column “{name[:60]}” twice or too long"
            raise ImportRefused(f"The first line has {problem}.")
        seen_columns.add(name)
    extra = [name for name in columns if name not in KNOWN_COLUMNS]
    if len(extra) > MAX_ATTRIBUTES:
        raise ImportRefused(f"At most {MAX_ATTRIBUTES} columns of your own can be imported.")

    rows: list[dict] = []
    rejected: list[dict] = []
    first_line: dict[str, int] = {}
    try:
        for record in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(rows) + len(rejected) >= MAX_IMPORT_ROWS:
                raise ImportRefused(f"The file has more than {MAX_IMPORT_ROWS:,} rows: split it and import each part.")
            if len(record) != len(columns):
                rejected.append(
                    {
                        "line": line,
                        "external_id": record[0][:60] if record else "",
                        "reason": f"{len(record)} cells where the first line names {len(columns)} columns",
                    }
                )
                continue
            cells = dict(zip(columns, record, strict=True))
            try:
                facts = CompanyFacts(
                    external_id=_text(cells["external_id"], "external_id", EXTERNAL_ID_MAX, required=True),
                    name=_text(cells["name"], "name", NAME_MAX, required=True),
                    plan=_text(cells.get("plan"), "plan", PLAN_MAX),
                    monthly_revenue=_revenue(cells.get("monthly_revenue")),
                    attributes={
                        name: value
                        for name in extra
                        if (value := _text(cells[name], name, ATTRIBUTE_VALUE_MAX)) is not None
                    },
                )
            except ValueError as error:
                rejected.append(
                    {"line": line, "external_id": markup.one_line(cells["external_id"])[:60], "reason": str(error)}
                )
                continue
            if facts.external_id in first_line:
                rejected.append(
                    {
                        "line": line,
                        "external_id": facts.external_id,
                        "reason": f"the same external_id as line {first_line[facts.external_id]}",
                    }
                )
                continue
            first_line[facts.external_id] = line
            rows.append(_row(facts, line))
    except csv.Error as error:
        raise ImportRefused(f"The file could not be read as CSV near line {reader.line_num}: {error}.") from None
    return rows, rejected


def _row(facts: CompanyFacts, line: int) -> dict:
    return {
        "line": line,
        "external_id": facts.external_id,
        "name": facts.name,
        "plan": facts.plan,
        "monthly_revenue": str(facts.monthly_revenue) if facts.monthly_revenue is not None else None,
        "attributes": facts.attributes,
    }


def _facts(row: dict) -> CompanyFacts:
    revenue = row.get("monthly_revenue")
    return CompanyFacts(
        external_id=row["external_id"],
        name=row.get("name"),
        plan=row.get("plan"),
        monthly_revenue=Decimal(revenue) if revenue is not None else None,
        attributes=row.get("attributes") or {},
    )


def start_import(actor: User, filename: str, data: bytes) -> CompanyImport:
    """Read the file and keep what it would do until the admin confirms it."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_import_companies())
    rows, rejected = read_csv(data)
    pending = CompanyImport(
        created_by_id=actor.id,
        filename=markup.one_line(filename)[:255] or "companies.csv",
        rows=rows,
        rejected=rejected,
    )
    db.session.add(pending)
    db.session.flush()
    return pending


@dataclass
class Preview:
    created: list[dict]
    updated: list[tuple[dict, dict]]  # (row, {field: (before, after)})
    unchanged: list[dict]
    rejected: list[dict]


def preview(pending: CompanyImport) -> Preview:
    """What applying the import would do now, against the companies as they are."""
    ids = [row["external_id"] for row in pending.rows]
    found = db.session.scalars(select(Company).where(Company.external_id.in_(ids))) if ids else []
    existing = {company.external_id: company for company in found}
    result = Preview([], [], [], list(pending.rejected))
    for row in pending.rows:
        company = existing.get(row["external_id"])
        if company is None:
            result.created.append(row)
            continue
        changed = changes(company, _facts(row))
        if changed:
            result.updated.append((row, {name: (getattr(company, name), value) for name, value in changed.items()}))
        else:
            result.unchanged.append(row)
    return result


class AlreadyApplied(Exception):
    pass


def apply_import(actor: User, pending: CompanyImport) -> Preview:
    """Record every row that passed, and say so in the audit log. An import applies once."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_import_companies())
    if pending.applied_at is not None:
        raise AlreadyApplied()
    done = preview(pending)
    for row in pending.rows:
        record(_facts(row))
    pending.applied_at = utcnow()
    audit.record(
        actor,
        "import",
        "companies",
        pending.id,
        None,
        {
            "file": pending.filename,
            "created": len(done.created),
            "updated": len(done.updated),
            "unchanged": len(done.unchanged),
            "rejected": len(done.rejected),
        },
    )
    db.session.flush()
    return done
