"""Benchmark data: a large, realistically skewed forum, in bulk (`flask bench seed`, or `seed()`).

Rows go in with bulk statements (COPY on PostgreSQL, executemany on SQLite), never through the
ORM one object at a time, so 100,000 posts and a million votes load in minutes. Every counter is
computed from the rows being written (vote and comment counts, trending scores), so `flask recount`
finds nothing to fix afterwards.

Skew: a post's share of votes and comments follows a Pareto law, so a few posts gather thousands
of votes and most have a handful. One post gets exactly COMMENTED_POST_COMMENTS comments: the
benchmark's "post with 500 comments" (its id is printed and kept in the summary).
"""

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from forum import markup
from forum.extensions import db
from forum.models import Category, Comment, OfficialResponse, Post, Role, Status, StatusChange, User, Vote, utcnow
from forum.services.posts import slugify
from forum.services.ranking import trending_score

COMMENTED_POST_COMMENTS = 500
BATCH = 20000
# Seeded accounts cannot sign in: no password hashes to a value of this form.
NO_PASSWORD = "!bench-no-password"

CATEGORIES = [
    ("mobile-app", "Mobile app"),
    ("web-app", "Web app"),
    ("invoicing", "Invoicing"),
    ("payments", "Payments"),
    ("reports", "Reports"),
    ("integrations", "Integrations"),
    ("billing", "Billing and plans"),
    ("support", "Support"),
]
# Status mix of a forum that has been answering for a while: mostly open.
STATUS_WEIGHTS = [
    (Status.OPEN, 80),
    (Status.UNDER_REVIEW, 6),
    (Status.PLANNED, 4),
    (Status.IN_PROGRESS, 2),
    (Status.DONE, 5),
    (Status.DECLINED, 3),
]
VERBS = ["Add", "Allow", "Support", "Fix", "Improve", "Show", "Export", "Let me change", "Speed up", "Stop"]
THINGS = [
    "dark mode",
    "CSV export of invoices",
    "recurring payments",
    "two-factor sign-in",
    "the monthly report",
    "bank feeds",
    "multi-currency invoices",
    "the mobile receipt scanner",
    "offline mode",
    "custom invoice templates",
    "payment reminders",
    "the dashboard charts",
    "VAT rates per customer",
    "Slack notifications",
    "the search in transactions",
]
WHERE = ["on Android", "on iOS", "in the web app", "for teams", "for accountants", "everywhere", "in reports", ""]
SENTENCES = [
    "This would save me an hour **every week**.",
    "Right now I have to do it by hand, which is slow and error-prone.",
    "Our accountant asked for this twice already.",
    "Competitors have had this for years.",
    "It broke after the last update and still does not work.",
    "Please see the steps below:\n\n1. open the page\n2. click *Save*\n3. nothing happens",
    "I would happily pay more for this.",
    "Same here, `export` times out with more than 500 rows.",
    "+1, we need this for our whole team.",
    "Any news on this? It has been a while.",
]


@dataclass(frozen=True)
class SeedSummary:
    users: int
    posts: int
    votes: int
    comments: int
    commented_post_id: int

    def __str__(self) -> str:
        return (
            f"Seeded {self.users} users, {self.posts} posts, {self.votes} votes, {self.comments} comments; "
            f"post {self.commented_post_id} has {COMMENTED_POST_COMMENTS} comments."
        )


def seed(*, posts: int, votes: int, comments: int, users: int, rng_seed: int = 1, log=None) -> SeedSummary:
    """Add users, posts, votes and comments in bulk, with counters that match the rows.

    Commits as it goes (bulk loading is not one request). Rows are added after any already there."""
    if posts < 1 or users < 1:
        raise ValueError("need at least one post and one user")
    if votes < posts:
        raise ValueError("every post carries its author's vote: --votes must be at least --posts")
    if votes > posts * users:
        raise ValueError("more votes than (user, post) pairs")
    log = log or (lambda message: None)
    rng = random.Random(rng_seed)
    now = utcnow()
    writer = _Writer()

    first_user = writer.next_id(User)
    staff_id = first_user
    users_rows = [
        (staff_id, f"bench-staff{staff_id}@example.com", "Bench Staff", NO_PASSWORD, Role.STAFF.value, now, 1)
    ]
    for n in range(users - 1):
        user_id = first_user + 1 + n
        joined = now - timedelta(days=rng.uniform(0, 900))
        users_rows.append(
            (user_id, f"bench{user_id}@example.com", f"Member {user_id}", NO_PASSWORD, Role.MEMBER.value, joined, 1)
        )
    writer.insert(
        User, ["id", "email", "display_name", "password_hash", "role", "created_at", "session_version"], users_rows
    )
    member_ids = range(first_user + 1, first_user + users) if users > 1 else range(staff_id, staff_id + 1)
    voter_ids = range(first_user, first_user + users)
    log(f"{users} users")

    category_ids = _categories(writer)
    bodies = [_rendered(rng) for _ in range(60)]

    # -- posts, with the author's own vote and a Pareto share of the rest --
    first_post = writer.next_id(Post)
    post_ids = list(range(first_post, first_post + posts))
    created = [now - timedelta(days=730 * rng.random() ** 1.5, seconds=rng.randint(0, 86399)) for _ in post_ids]
    authors = [rng.choice(member_ids) for _ in post_ids]
    vote_counts = _skewed_counts(rng, posts, votes, low=1, high=users)
    commented_index = 0 if posts == 1 else 1
    comment_counts = _skewed_counts(
        rng, posts, comments, low=0, high=None, fixed={commented_index: COMMENTED_POST_COMMENTS}
    )
    statuses = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS], k=posts)
    statuses[commented_index] = Status.OPEN

    # Votes are computed first (they decide each post's count and trending score) and written after the posts.
    vote_rows: list[tuple] = []
    scores: list[float] = []
    vote_id = writer.next_id(Vote)
    for index, post_id in enumerate(post_ids):
        count = vote_counts[index]
        start = created[index]
        voters = _distinct_voters(rng, voter_ids, authors[index], count)
        times = [start] + [_between(rng, start, now) for _ in range(count - 1)]
        for voter, moment in zip(voters, times, strict=True):
            vote_rows.append((vote_id, voter, post_id, moment))
            vote_id += 1
        scores.append(trending_score(times))

    # Comments first in Python (they decide each post's last activity), written after the posts.
    comment_rows: list[tuple] = []
    last_activity = list(created)
    comment_id = writer.next_id(Comment)
    for index, post_id in enumerate(post_ids):
        moment = created[index]
        thread: list[int] = []
        for _ in range(comment_counts[index]):
            moment = _between(rng, moment, min(now, moment + timedelta(days=20)))
            # A third are replies; replies point at a top-level comment (one level of nesting).
            parent = rng.choice(thread) if thread and rng.random() < 0.33 else None
            body, html = rng.choice(bodies)
            comment_rows.append((comment_id, post_id, rng.choice(member_ids), parent, body, html, moment, False))
            if parent is None:
                thread.append(comment_id)
            comment_id += 1
        if comment_counts[index]:
            last_activity[index] = moment

    post_rows = []
    answered: list[tuple[int, Status, datetime]] = []
    for index, post_id in enumerate(post_ids):
        thing = rng.choice(THINGS)
        title = f"{rng.choice(VERBS)} {thing} {rng.choice(WHERE)}".strip() + f" (#{post_id})"
        body, html = rng.choice(bodies)
        status = statuses[index]
        changed = None
        first_response = None
        if status != Status.OPEN:
            changed = _between(rng, created[index], now)
            first_response = changed
            answered.append((post_id, status, changed))
        kind = "complaint" if rng.random() < 0.35 else "idea"
        post_rows.append(
            (
                post_id,
                kind,
                title[:200],
                slugify(title),
                body,
                html,
                rng.choice(category_ids),
                authors[index],
                status.value,
                vote_counts[index],
                comment_counts[index],
                scores[index],
                created[index],
                last_activity[index],
                first_response,
                changed,
                False,
                False,
                False,
            )
        )
    post_columns = [
        "id",
        "kind",
        "title",
        "slug",
        "body",
        "body_html",
        "category_id",
        "author_id",
        "status",
        "vote_count",
        "comment_count",
        "trending_score",
        "created_at",
        "last_activity_at",
        "first_response_at",
        "status_changed_at",
        "is_hidden",
        "is_locked",
        "is_pinned",
    ]
    # Posts before the rows that point at them (foreign keys are checked on both databases).
    writer.insert(Post, post_columns, post_rows)
    log(f"{posts} posts")
    writer.insert(Vote, ["id", "user_id", "post_id", "created_at"], vote_rows)
    log(f"{len(vote_rows)} votes")
    comment_columns = ["id", "post_id", "author_id", "parent_id", "body", "body_html", "created_at", "is_hidden"]
    writer.insert(Comment, comment_columns, comment_rows)
    log(f"{len(comment_rows)} comments")

    response_rows, change_rows = [], []
    response_id, change_id = writer.next_id(OfficialResponse), writer.next_id(StatusChange)
    reply = markup.render("Thanks for telling us. We have looked at this with the team.")
    for post_id, status, moment in answered:
        response_rows.append((response_id, post_id, staff_id, "Thanks for telling us.", reply, moment))
        change_rows.append((change_id, post_id, staff_id, Status.OPEN.value, status.value, response_id, moment))
        response_id += 1
        change_id += 1
    writer.insert(OfficialResponse, ["id", "post_id", "author_id", "body", "body_html", "created_at"], response_rows)
    writer.insert(
        StatusChange,
        ["id", "post_id", "actor_id", "from_status", "to_status", "response_id", "created_at"],
        change_rows,
    )
    writer.finish()
    return SeedSummary(users, posts, len(vote_rows), len(comment_rows), post_ids[commented_index])


def _skewed_counts(rng, n: int, total: int, *, low: int, high: int | None, fixed: dict | None = None) -> list[int]:
    """n counts summing to `total`, each in [low, high], shared out by Pareto weights."""
    fixed = {i: c for i, c in (fixed or {}).items() if i < n and c <= total - low * (n - 1)}
    counts = [low] * n
    for i, c in fixed.items():
        counts[i] = c
    free = [i for i in range(n) if i not in fixed]
    remaining = total - sum(counts)
    if remaining <= 0 or not free:
        return counts
    weights = [rng.paretovariate(1.16) for _ in free]
    scale = remaining / sum(weights)
    for i, weight in zip(free, weights, strict=True):
        counts[i] += int(weight * scale)
    # Cap (a post cannot have more votes than there are people), then hand out what is left one at a time.
    if high is not None:
        for i in free:
            counts[i] = min(counts[i], high)
    remaining = total - sum(counts)
    open_slots = [i for i in free if high is None or counts[i] < high]
    while remaining > 0 and open_slots:
        i = rng.choice(open_slots)
        counts[i] += 1
        remaining -= 1
        if high is not None and counts[i] >= high:
            open_slots.remove(i)
    return counts


def _distinct_voters(rng, voter_ids: range, author: int, count: int) -> list[int]:
    """`count` distinct users, the author first (their own vote counts from the start)."""
    if count * 3 < len(voter_ids):
        chosen = {author}
        ordered = [author]
        while len(ordered) < count:
            voter = voter_ids[rng.randrange(len(voter_ids))]
            if voter not in chosen:
                chosen.add(voter)
                ordered.append(voter)
        return ordered
    others = [v for v in rng.sample(voter_ids, min(count, len(voter_ids))) if v != author]
    return [author, *others[: count - 1]]


def _between(rng, start: datetime, end: datetime) -> datetime:
    if end <= start:
        return start
    return start + (end - start) * rng.random()


def _rendered(rng) -> tuple[str, str]:
    body = "\n\n".join(rng.sample(SENTENCES, rng.randint(1, 4)))
    return body, markup.render(body)


def _categories(writer: "_Writer") -> list[int]:
    existing = dict(db.session.execute(select(Category.slug, Category.id)).all())
    rows = []
    next_id = writer.next_id(Category)
    for position, (slug, name) in enumerate(CATEGORIES):
        if slug not in existing:
            rows.append((next_id, slug, name, f"Everything about {name.lower()}.", position))
            existing[slug] = next_id
            next_id += 1
    writer.insert(Category, ["id", "slug", "name", "description", "position"], rows)
    return [existing[slug] for slug, _ in CATEGORIES]


class _Writer:
    """Bulk inserts through the driver: COPY on PostgreSQL, executemany on SQLite, BATCH rows at a time."""

    def __init__(self):
        self.connection = db.session.connection()
        self.dialect = self.connection.dialect.name
        self.raw = self.connection.connection.driver_connection
        self.touched: set[str] = set()

    def next_id(self, model) -> int:
        return (db.session.scalar(select(func.max(model.id))) or 0) + 1

    def insert(self, model, columns: list[str], rows: list[tuple]) -> None:
        table = model.__tablename__
        names = ", ".join(columns)
        for start in range(0, len(rows), BATCH):
            chunk = rows[start : start + BATCH]
            if self.dialect == "postgresql":
                with self.raw.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                    for row in chunk:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" for _ in columns)
                self.raw.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", map(_sqlite_row, chunk))
        self.touched.add(table)

    def finish(self) -> None:
        if self.dialect == "postgresql":
            # Explicit ids leave the sequences behind: move them past the new rows.
            for table in sorted(self.touched):
                self.connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")
                )
        db.session.commit()
        # Fresh statistics, or the planner plans for the empty tables it last saw.
        if self.dialect == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))
        else:
            db.session.execute(text("ANALYZE"))
            db.session.commit()


def _sqlite_row(row: tuple) -> tuple:
    # As UTCDateTime stores them on SQLite: naive UTC, with microseconds.
    return tuple(
        value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
        if isinstance(value, datetime)
        else value
        for value in row
    )
