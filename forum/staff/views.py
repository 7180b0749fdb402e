import csv
import io
import re
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, time, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user, login_required
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import aliased, joinedload

from forum import markup, semantic
from forum.extensions import db
from forum.links import absolute_url
from forum.models import AuditEntry, Post, PostTag, Priority, TagInfo, User, Vote, statuses, tags, utcnow
from forum.permissions import guardian
from forum.posts.filters import ListFilters
from forum.posts.views import load_post
from forum.services import affiliations, audit, demand, insights, posts, queue, similar, themes
from forum.visibility import visible_posts
from forum.web import whole_number

bp = Blueprint("staff", __name__, url_prefix="/staff")
QUEUE_VIEWS = {"unanswered": "Unanswered", "answered": "Answered", "mine": "Answered by me"}


@bp.before_request
@login_required
def _staff_only():
    guardian().ensure(guardian().can_use_staff_tools())


@bp.app_context_processor
def staff_bar():
    """The staff bar's figures, read only when a page shows the bar (once per request)."""

    def staff_counts() -> tuple[int, int]:
        if "staff_counts" not in g:
            g.staff_counts = queue.waiting_counts()
        return g.staff_counts

    return {"staff_counts": staff_counts}


@bp.app_template_filter("revenue")
def revenue(amount) -> str:
    """Monthly revenue for staff pages: whole units with thousands separators."""
    return "—" if amount is None else f"{amount:,.0f}"


@bp.app_template_global()
def priorities() -> list[Priority]:
    return list(Priority)


@bp.app_template_global()
def priority_label(value: str | None) -> str:
    return Priority(value).label if value in set(Priority) else ""


@bp.get("/queue")
def queue_page():
    view = request.args.get("view", "unanswered")
    if view not in QUEUE_VIEWS:
        abort(400, f"Choose one of: {', '.join(QUEUE_VIEWS)}.")
    categories = posts.categories(guardian())
    filters = ListFilters.from_args(request.args, categories, fields=("kind", "status", "category"))
    chosen = queue.QueueFilter(kind=filters.kind, status=filters.status, category=filters.category, viewer=guardian())
    items = queue.unanswered(filters=chosen) if view == "unanswered" else []
    answered = []
    if view != "unanswered":
        answered = queue.answered(by=current_user if view == "mine" else None, filters=chosen)
    authors = [item.post.author_id for item in items] + [post.author_id for post in answered]
    return render_template(
        "staff/queue.html",
        view=view,
        views=QUEUE_VIEWS,
        items=items,
        answered=answered,
        filters=filters,
        categories=categories,
        statuses=[s for s in statuses().all if view != "unanswered" or s.slug in statuses().waiting()],
        formula=queue.FORMULA,
        companies=affiliations.companies_of(authors),
    ), 400 if filters.problems else 200


# -- exports -----------------------------------------------------------------------------
def _cell(value) -> str:
    """Spreadsheet-safe text: a leading = + - @ would run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv(filename: str, header: list[str], rows: Callable[[], Iterable[list]]) -> Response:
    """Stream a CSV; `rows` runs inside the stream, so its query lives as long as it does.

    It starts with UTF-8's byte-order mark: without it Excel reads the file as the system's legacy
    code page and shows "Exporté" as "ExportÃ©"; every other reader skips it."""

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        yield "\ufeff" + buffer.getvalue()
        for row in rows():
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([_cell(value) for value in row])
            yield buffer.getvalue()

    # The rows are read from the database while streaming: keep the request (and its session) open.
    response = Response(stream_with_context(generate()), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"  # voters' emails: no cache keeps a copy
    return response


def _iso(moment) -> str:
    return moment.isoformat(timespec="seconds") if moment else ""


POSTS_HEADER = ["id", "kind", "title", "category", "status", "votes", "comments", "created_at",
                "first_response_at", "status_changed_at", "hidden", "url", "tags"]  # fmt: skip


def _tag_filter() -> TagInfo | None:
    """`?tag=<slug>` of the insights and the export; 400 for a tag that does not exist."""
    slug = request.args.get("tag")
    if not slug:
        return None
    found = tags().by_slug.get(slug)
    if found is None:
        abort(400, f"There is no tag “{slug[:40]}”.")
    return found


@bp.get("/export/posts.csv")
def export_posts():
    viewer = guardian()
    tag = _tag_filter()
    tag_ids = (
        select(func.aggregate_strings(cast(PostTag.tag_id, String), ","))
        .where(PostTag.post_id == Post.id)
        .scalar_subquery()
    )

    def rows():
        query = select(Post, tag_ids).where(Post.deleted_at.is_(None), visible_posts(viewer))
        if tag is not None:
            query = query.where(Post.id.in_(select(PostTag.post_id).where(PostTag.tag_id == tag.id)))
        found = db.session.execute(
            query.options(joinedload(Post.category)).order_by(Post.id).execution_options(yield_per=1000)
        )
        registry = tags()
        for p, ids in found:
            yield [p.id, p.kind, p.title, p.category.slug, p.status, p.vote_count, p.comment_count,
                   _iso(p.created_at), _iso(p.first_response_at), _iso(p.status_changed_at),
                   "yes" if p.is_hidden else "no", absolute_url("posts.show", post_id=p.id, slug=p.slug),
                   "; ".join(t.name for t in registry.of(ids))]  # fmt: skip

    return _csv(f"posts-{tag.slug}.csv" if tag else "posts.csv", POSTS_HEADER, rows)


VOTERS_HEADER = ["user_id", "display_name", "email", "voted_at", "source", "recorded_by", "priority", "note",
                 "companies"]  # fmt: skip


@bp.get("/export/posts/<int:post_id>/voters.csv")
def export_voters(post_id: int):
    post = load_post(post_id)
    recorder = aliased(User)

    def rows():
        voters = db.session.execute(
            select(User.id, User.display_name, User.email, Vote.created_at, Vote.source, recorder.display_name,
                   Vote.priority, Vote.note)
            .join(Vote, Vote.user_id == User.id)
            .outerjoin(recorder, recorder.id == Vote.recorded_by_id)
            .where(Vote.post_id == post.id)
            .order_by(Vote.created_at, Vote.id)
        ).all()  # fmt: skip
        companies = demand.companies_of([row[0] for row in voters])
        for (user_id, name, email, voted_at, source, recorded_by, priority, note), theirs in zip(
            voters, companies, strict=True
        ):
            yield [user_id, name, email, _iso(voted_at), source, recorded_by, priority, note,
                   "; ".join(c.name for c in theirs)]  # fmt: skip

    return _csv(f"post-{post.id}-voters.csv", VOTERS_HEADER, rows)


# -- demand: who asked, and the Prioritize list ---------------------------------------------------
PRIORITIZE_PER_PAGE = 25


def _demand_filters(categories) -> tuple[demand.DemandFilters, list[str]]:
    """The Prioritize page's filters from the query string; a value that makes no sense is dropped
    with a problem the page shows (and a 400)."""
    base = ListFilters.from_args(request.args, categories, fields=("status", "category", "tag"))
    problems = list(base.problems)
    found: dict = {"category": base.category, "status": base.status, "tag": base.tag}
    plan = request.args.get("plan") or None
    if plan is not None:
        if plan in demand.plans():
            found["plan"] = plan
        else:
            problems.append(f"No company is on a plan “{plan[:40]}”; showing every plan.")
    attribute = request.args.get("attr") or None
    if attribute is not None:
        name, _, value = attribute.partition(":")
        if (name, value) in demand.attribute_choices():
            found["attribute"] = (name, value)
        else:
            problems.append(f"No company has the attribute “{attribute[:40]}”; showing every company.")
    sort = request.args.get("sort") or "priority"
    if sort not in demand.SORTS:
        problems.append(f"“{sort[:40]}” is not a column to sort by; sorting by priority.")
        sort = "priority"
    direction = request.args.get("dir") or ("asc" if sort in ("title", "status") else "desc")
    if direction not in ("asc", "desc"):
        problems.append("Sort up (asc) or down (desc); sorting down.")
        direction = "desc"
    return demand.DemandFilters(**found, sort=sort, descending=direction == "desc"), problems


def _demand_args(filters: demand.DemandFilters) -> dict:
    """The query string of these filters, for links that keep them."""
    args = {"sort": filters.sort, "dir": "desc" if filters.descending else "asc"}
    if filters.plan:
        args["plan"] = filters.plan
    if filters.attribute:
        args["attr"] = ":".join(filters.attribute)
    if filters.category:
        args["category"] = filters.category.slug
    if filters.status:
        args["status"] = filters.status
    if filters.tag:
        args["tag"] = filters.tag.slug
    return args


@bp.get("/prioritize")
def prioritize():
    categories = posts.categories(guardian())
    filters, problems = _demand_filters(categories)
    raw_page = request.args.get("page", "1")
    page = whole_number(raw_page, 1, 10000)
    if page is None:
        problems.append("Pages are numbered from 1; showing the first page.")
        page = 1
    rows, has_next = demand.prioritize(guardian(), filters, page=page, per_page=PRIORITIZE_PER_PAGE)
    return render_template(
        "staff/prioritize.html",
        rows=rows,
        has_next=has_next,
        page=page,
        filters=filters,
        args=_demand_args(filters),
        problems=problems,
        categories=categories,
        plans=demand.plans(),
        attributes=demand.attribute_choices(),
        sorts=demand.SORTS,
        weights=list(Priority),
    ), 400 if problems else 200


PRIORITIZE_HEADER = ["id", "title", "category", "status", "votes", "companies", "monthly_revenue", "priority",
                     "blockers", "url"]  # fmt: skip


@bp.get("/prioritize.csv")
def prioritize_csv():
    filters, problems = _demand_filters(posts.categories(guardian()))
    if problems:
        abort(400, " ".join(problems))
    viewer = guardian()

    def rows():
        for row in demand.every_row(viewer, filters):
            p = row.post
            yield [p.id, p.title, p.category.slug, p.status, row.votes, row.companies, row.revenue, row.priority,
                   row.blockers, absolute_url("posts.show", post_id=p.id, slug=p.slug)]  # fmt: skip

    return _csv("prioritize.csv", PRIORITIZE_HEADER, rows)


@bp.get("/people")
def find_people():
    """Suggestions for the vote-on-behalf form: people by name or email, and the people of companies
    by the company's name, as JSON."""
    found = demand.find_people(request.args.get("q", "")[:100])
    return jsonify(
        [
            {"name": c.user.display_name, "email": c.user.email, "companies": [co.name for co in c.companies]}
            for c in found
        ]
    )


# -- insights ----------------------------------------------------------------------------
PERIODS = {7: "7 days", 30: "30 days", 90: "90 days", 365: "12 months"}


@bp.get("/insights")
def insights_page():
    raw = request.args.get("days", "30")
    days = whole_number(raw)
    if days not in PERIODS:
        abort(400, f"Choose a period of {', '.join(str(d) for d in PERIODS)} days.")
    tag = _tag_filter()
    top, rising = insights.top_requests(guardian(), utcnow() - timedelta(days=days), tag=tag)
    months, by_category, by_kind = insights.volumes(guardian(), tag=tag)
    return render_template(
        "staff/insights.html",
        tag=tag,
        days=days,
        periods=PERIODS,
        top=top,
        rising=rising,
        months=months,
        by_category=by_category,
        by_kind=by_kind,
    )


@bp.get("/insights/posts/<int:post_id>")
def post_insights(post_id: int):
    post = load_post(post_id)
    weeks = insights.weekly_votes(post)
    elsewhere = insights.voters_active_elsewhere([post.id]).get(post.id, 0)
    return render_template("staff/post_insights.html", post=post, weeks=weeks, elsewhere=elsewhere)


@bp.get("/themes")
def themes_page():
    return render_template("staff/themes.html", themes=themes.complaint_themes(guardian()), lexical=semantic.problem())


@bp.get("/duplicates")
def duplicates_page():
    """Pairs of posts that likely say the same thing, the pair with the newest post first."""
    return render_template(
        "staff/duplicates.html", pairs=similar.likely_duplicates(guardian()), lexical=semantic.problem()
    )


@bp.post("/duplicates/dismiss")
def dismiss_duplicate():
    """ "Not a duplicate": the pair is remembered and no longer offered."""
    first_id, second_id = whole_number(request.form.get("first")), whole_number(request.form.get("second"))
    if first_id is None or second_id is None or first_id == second_id:
        pairs = similar.likely_duplicates(guardian())
        error = "Give the numbers of two different posts."
        return render_template("staff/duplicates.html", pairs=pairs, lexical=semantic.problem(), error=error), 422
    first, second = load_post(first_id), load_post(second_id)
    similar.dismiss(current_user, first, second)
    db.session.commit()
    flash(f"Noted: #{first.id} and #{second.id} are not duplicates.", "success")
    return redirect(url_for("staff.duplicates_page"), 303)


# -- audit log ---------------------------------------------------------------------------
AUDIT_PAGE_SIZE = 50
AUDIT_WORD = re.compile(r"[a-z_]{1,40}")


@bp.get("/audit")
def audit_page():
    guardian().ensure(guardian().can_see_audit())
    query = select(AuditEntry)
    action = request.args.get("action") or None
    target_type = request.args.get("target") or None
    actor_name = " ".join(markup.clean_text(request.args.get("actor", "")).split())[:50]
    # Actions and target types are short lowercase words; anything else (NUL bytes, which
    # PostgreSQL refuses in text, or any other typing) matches nothing, so say so.
    if action:
        if not AUDIT_WORD.fullmatch(action):
            abort(400, "Choose an action from the list.")
        query = query.where(AuditEntry.action == action)
    if target_type:
        if not AUDIT_WORD.fullmatch(target_type):
            abort(400, "Choose a target from the list.")
        query = query.where(AuditEntry.target_type == target_type)
    if actor_name:
        # A part of the actor's name, as the log shows it; "system" finds what the system did.
        named = select(User.id).where(User.display_name.icontains(actor_name, autoescape=True))
        by_name = AuditEntry.actor_id.in_(named)
        query = query.where(or_(by_name, AuditEntry.actor_id.is_(None)) if "system" in actor_name.lower() else by_name)
    since, until = _day(request.args.get("from")), _day(request.args.get("to"))
    if since is not None:
        query = query.where(AuditEntry.created_at >= since)
    if until is not None:
        query = query.where(AuditEntry.created_at < until + timedelta(days=1))
    raw_page = request.args.get("page", "1")
    page = whole_number(raw_page, 1, 10000)
    if page is None:
        abort(400, "Pages are numbered from 1.")
    entries = list(
        db.session.scalars(
            query.order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .offset((page - 1) * AUDIT_PAGE_SIZE)
            .limit(AUDIT_PAGE_SIZE + 1)
        )
    )
    known = set(db.session.scalars(select(AuditEntry.action).distinct()))
    actions = [(a, audit.action_label(a)) for a in [*audit.ACTIONS, *sorted(known - set(audit.ACTIONS))] if a in known]
    return render_template(
        "staff/audit.html",
        sentences=audit.sentences(entries[:AUDIT_PAGE_SIZE]),
        has_next=len(entries) > AUDIT_PAGE_SIZE,
        page=page,
        actions=actions,
        action=action,
        target_type=target_type,
        actor=actor_name,
        since=request.args.get("from", "") if since else "",
        until=request.args.get("to", "") if until else "",
    )


def _day(raw: str | None) -> datetime | None:
    """A day typed in a date field (YYYY-MM-DD), as the UTC midnight that starts it."""
    if not raw:
        return None
    try:
        return datetime.combine(date.fromisoformat(raw.strip()[:10]), time(), tzinfo=UTC)
    except ValueError:
        abort(400, "Give dates as year-month-day, for example 2026-12-07.")
