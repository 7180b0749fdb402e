"""Demo data: a believable forum to click through on first start (`flask demo load`).

What people say (categories, posts, comments, official answers, names) is in the YAML files beside
this module. Who writes and votes, and when, is drawn here with a seeded random, so every load gives
the same forum: votes with a long tail (a few posts with hundreds, most with a handful), members who
are more or less active, answers and status changes spread over months.
"""

import heapq
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import func, insert, select

from forum import markup
from forum.extensions import db
from forum.models import (
    Category,
    Comment,
    Company,
    CompanyMember,
    Event,
    Follow,
    Notification,
    OfficialResponse,
    Post,
    Role,
    Status,
    StatusChange,
    User,
    Vote,
    VoteSource,
    utcnow,
)
from forum.services import accounts
from forum.services.counters import recount
from forum.services.posts import slugify

HERE = Path(__file__).parent
# Sign-in details printed in the README.
STAFF_ACCOUNTS = [
    ("admin@example.com", "Ada Admin", Role.ADMIN, "demo-admin-pass"),
    ("staff@example.com", "Sam from Support", Role.STAFF, "demo-staff-pass"),
    ("moderator@example.com", "Mo Moderator", Role.MODERATOR, "demo-mod-pass"),
]
MEMBER_PASSWORD = "demo-member-pass"
# The order a post moves through on its way to `done`.
PATH = [Status.OPEN, Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS, Status.DONE]
FORUM_AGE_DAYS = 300
# Votes of the post ranked r (from 0): TOP_VOTES / (r + 1) ** TAIL, give or take a quarter.
TOP_VOTES, TAIL = 800, 0.9


@cache
def data() -> dict:
    """The data files: `content` (categories, posts), `people` (names), `chatter` (filler lines), `companies`
    (customers, and requests the team recorded for them)."""
    return {
        name: yaml.safe_load((HERE / f"{name}.yaml").read_text("utf-8"))
        for name in ("content", "people", "chatter", "companies")
    }


def load_demo(seed: int = 7) -> str | None:
    if db.session.scalar(select(func.count()).select_from(Post)):
        return None
    files = data()
    rng = random.Random(seed)
    now = utcnow()
    staff = [accounts.create_user(email, password, name, role) for email, name, role, password in STAFF_ACCOUNTS]
    for user in staff:
        user.created_at = now - timedelta(days=FORUM_AGE_DAYS + 60)
    members = _members(rng, files["people"], now)
    regulars = [m for m in members if m.activity]
    passers_by = [m for m in members if not m.activity]
    categories = {}
    for position, spec in enumerate(files["content"]["categories"]):
        categories[spec["slug"]] = category = Category(position=position, **spec)
        db.session.add(category)
    db.session.flush()

    specs = files["content"]["posts"]
    # The long discussions are among the most voted; the rest fall anywhere in the tail.
    ranked = sorted(range(len(specs)), key=lambda i: ("discussion" not in specs[i], rng.random()))
    votes, follows, notifications = [], [], []
    for rank, index in enumerate(ranked):
        spec = specs[index]
        ago = rng.uniform(40, 150) if "discussion" in spec else rng.uniform(0.2, FORUM_AGE_DAYS)
        created = now - timedelta(days=ago, minutes=rng.randint(0, 600))
        author = _pick_author(rng, regulars, created)
        post = Post(
            kind=spec["kind"],
            title=spec["title"],
            slug=slugify(spec["title"]),
            body=spec["body"],
            body_html=markup.render(spec["body"]),
            category_id=categories[spec["category"]].id,
            author_id=author.id,
            status=Status.OPEN,
            created_at=created,
            last_activity_at=created,
        )
        db.session.add(post)
        db.session.flush()
        wanted = round(TOP_VOTES / (rank + 1) ** TAIL * rng.uniform(0.75, 1.25))
        # Complaints draw more people who come for that one post than ideas do.
        share = rng.uniform(0.15, 0.5) if spec["kind"] == "complaint" else rng.uniform(0.0, 0.25)
        voters = _voters(rng, regulars, passers_by, author, wanted, share)
        votes += [
            {
                "user_id": v.id,
                "post_id": post.id,
                "created_at": created if v is author else _after(rng, created, v, now),
            }
            for v in voters
        ]
        thread = _thread(rng, spec, files["chatter"], post, author, regulars, now)
        followers = {author.id, *(v.id for v in voters), *(c.author_id for c in thread)}
        follows += [{"user_id": user_id, "post_id": post.id, "created_at": created} for user_id in followers]
        post.last_activity_at = max([created, *(c.created_at for c in thread)])
        if "response" in spec:
            responder = rng.choice(staff[:2])
            answered = _respond(rng, post, spec["response"], responder, now)
            notifications += _told(post, followers - {responder.id}, responder, spec["response"]["body"], answered, now)
            post.last_activity_at = max(post.last_activity_at, answered)
    for model, rows in ((Vote, votes), (Follow, follows), (Notification, notifications)):
        db.session.execute(insert(model), rows)
    db.session.flush()
    companies, recorded = _companies(rng, files["companies"], members, staff[1], now, votes, follows)
    recount()
    return (
        f"Loaded {len(categories)} categories, {len(specs)} posts, {len(members)} members, {len(votes)} votes "
        f"({recorded} recorded on behalf of {companies} companies' people) and {len(staff)} staff accounts."
    )


def _companies(rng, spec: dict, members: list["_Member"], recorder: User, now, votes, follows) -> tuple[int, int]:
    """The customer companies, some members in each (a few in two), and the requests the team heard
    elsewhere recorded as votes on a contact's behalf. Returns (companies, votes recorded)."""
    voted = {(v["user_id"], v["post_id"]) for v in votes}
    following = {(f["user_id"], f["post_id"]) for f in follows}
    # Customers' people vote for what concerns them: mostly members who came for one post, some
    # occasional regulars (the busiest voters would put every company behind every popular post).
    pool = [m.id for m in members if m.activity < 1.5]
    companies: dict[str, tuple[Company, list[int]]] = {}
    for item in spec["companies"]:
        company = Company(
            external_id=item["id"],
            name=item["name"],
            plan=item["plan"],
            monthly_revenue=Decimal(item["mrr"]),
            attributes=item["attributes"],
            created_at=now - timedelta(days=rng.uniform(100, FORUM_AGE_DAYS + 100)),
        )
        db.session.add(company)
        companies[item["id"]] = (company, rng.sample(pool, item["people"]))
    db.session.flush()
    pairs = {(user_id, company.id) for company, people in companies.values() for user_id in people}
    # Consultants: a few people of the first company also work for the second.
    (_, first), (second, _) = list(companies.values())[:2]
    pairs |= {(user_id, second.id) for user_id in first[:3]}
    db.session.execute(insert(CompanyMember), [{"user_id": u, "company_id": c} for u, c in sorted(pairs)])
    posts = {post.title: post for post in db.session.scalars(select(Post))}
    rows = []
    for request in spec["requests"]:
        post = posts[request["post"]]
        company, people = companies[request["company"]]
        if "email" in request:
            person_id = accounts.placeholder_for(request["email"])[0].id
            db.session.add(CompanyMember(user_id=person_id, company_id=company.id))
        else:
            person_id = next(u for u in rng.sample(people, len(people)) if (u, post.id) not in voted)
        voted.add((person_id, post.id))
        # Heard while the post was still open.
        end = post.status_changed_at if post.is_closed and post.status_changed_at else now
        rows.append({"user_id": person_id, "post_id": post.id, "source": VoteSource.ON_BEHALF,
                     "recorded_by_id": recorder.id, "note": request["note"], "priority": request["priority"],
                     "created_at": post.created_at + (end - post.created_at) * rng.uniform(0.2, 0.8)})  # fmt: skip
        if (person_id, post.id) not in following:
            following.add((person_id, post.id))
            db.session.add(Follow(user_id=person_id, post_id=post.id, created_at=rows[-1]["created_at"]))
    db.session.execute(insert(Vote), rows)
    db.session.flush()
    return len(companies), len(rows)


@dataclass(frozen=True, slots=True)
class _Member:
    """What the loader needs of a member, without loading 1,500 `User` objects."""

    id: int
    joined: datetime
    activity: float


def _members(rng: random.Random, people: dict, now: datetime) -> list[_Member]:
    names = list(people["named"])
    taken = set(names)
    while len(names) < people["count"]:
        name = f"{rng.choice(people['first_names'])} {rng.choice(people['last_names'])}"
        if name not in taken:
            taken.add(name)
            names.append(name)
    # Most joined before the forum opened; the rest arrived along the way.
    joined = [
        now
        - timedelta(
            days=rng.uniform(FORUM_AGE_DAYS, FORUM_AGE_DAYS + 200)
            if rng.random() < 0.6
            else rng.uniform(1, FORUM_AGE_DAYS)
        )
        for _ in names
    ]
    # One password hash for all: hashing each of 1,500 passwords would take most of a minute.
    first = accounts.create_user("member1@example.com", MEMBER_PASSWORD, names[0])
    first.created_at = joined[0]
    rows = [
        {
            "email": f"member{n}@example.com",
            "display_name": name,
            "password_hash": first.password_hash,
            "created_at": when,
        }
        for n, (name, when) in enumerate(zip(names, joined, strict=True), start=1)
        if n > 1
    ]
    db.session.execute(insert(User), rows)
    ids = db.session.scalars(select(User.id).where(User.role == Role.MEMBER).order_by(User.id)).all()
    # Half are regulars, a few of whom do most of the voting and writing; the other half came to vote
    # for one post (activity 0).
    return [
        _Member(user_id, when, rng.paretovariate(1.1) if rng.random() < 0.5 else 0.0)
        for user_id, when in zip(ids, joined, strict=True)
    ]


def _pick_author(rng: random.Random, members: list[_Member], created: datetime) -> _Member:
    there = [m for m in members if m.joined < created]
    return rng.choices(there, weights=[m.activity for m in there])[0]


def _voters(rng, regulars: list[_Member], passers_by: list[_Member], author: _Member, wanted: int, share: float):
    """`wanted` distinct members, the author first: about `share` of them people who vote for this post
    alone (taken from `passers_by`), the rest regulars drawn by activity (weighted, without replacement)."""
    once = [passers_by.pop() for _ in range(min(len(passers_by), round(wanted * share)))]
    others = [m for m in regulars if m is not author]
    regular = heapq.nlargest(max(wanted - 1 - len(once), 0), others, key=lambda m: rng.random() ** (1 / m.activity))
    return [author, *once, *regular]


def _after(rng: random.Random, start: datetime, member: _Member, now: datetime) -> datetime:
    """A moment after `start` and after the member joined, most of them early."""
    return max(start + (now - start) * rng.random() ** 2, member.joined + timedelta(hours=1))


def _thread(rng, spec: dict, chatter: dict, post: Post, author: _Member, members: list[_Member], now):
    """The post's comments: its own lines in order, filled with chatter up to `discussion`, some as replies."""
    said = list(spec.get("comments", []))
    size = max(spec.get("discussion", 0), len(said))
    slots = set(rng.sample(range(size), len(said)))
    filler = _endless(rng, chatter[spec["kind"]])
    lines = [said.pop(0) if n in slots else next(filler) for n in range(size)]
    times = sorted(post.created_at + (now - post.created_at) * rng.random() ** 1.5 for _ in lines)
    comments = []
    for text, moment in zip(lines, times, strict=True):
        there = [m for m in members if m.joined < moment]
        writer = author if rng.random() < 0.08 else rng.choices(there, weights=[m.activity for m in there])[0]
        tops = [c for c in comments if c.parent_id is None]
        parent = rng.choice(tops) if size > 10 and len(tops) > 3 and rng.random() < 0.3 else None
        comment = Comment(
            post_id=post.id,
            author_id=writer.id,
            parent_id=parent.id if parent else None,
            body=text,
            body_html=markup.render(text),
            created_at=moment,
        )
        db.session.add(comment)
        if size > 10:
            db.session.flush()  # a long thread's comments take replies: they need their ids
        comments.append(comment)
    return comments


def _endless(rng: random.Random, lines: list[str]):
    while True:
        yield from rng.sample(lines, len(lines))


def _respond(rng: random.Random, post: Post, spec: dict, responder: User, now: datetime) -> datetime:
    """Walk the usual path to the answer's status, one step every few weeks; the answer comes with the last."""
    target = Status(spec["status"])
    steps = PATH[1 : PATH.index(target) + 1] if target in PATH else [target]
    gaps = [rng.expovariate(1 / 12)] + [rng.expovariate(1 / 25) for _ in steps[1:]]
    room = (now - post.created_at).total_seconds() / 86400 * 0.95
    scale = min(1.0, room / sum(gaps))
    moment, previous, changes = post.created_at, Status.OPEN, []
    for step, gap in zip(steps, gaps, strict=True):
        moment += timedelta(days=gap * scale)
        changes.append(StatusChange(post_id=post.id, actor_id=responder.id, from_status=previous, to_status=step,
                                    created_at=moment))  # fmt: skip
        previous = step
    response = OfficialResponse(
        post_id=post.id,
        author_id=responder.id,
        body=spec["body"],
        body_html=markup.render(spec["body"]),
        created_at=moment,
    )
    db.session.add(response)
    db.session.flush()
    changes[-1].response_id = response.id
    db.session.add_all(changes)
    post.first_response_at = moment
    post.status = target
    post.status_changed_at = moment
    return moment


def _told(post: Post, followers: set[int], responder: User, body: str, moment, now) -> list[dict]:
    """The bell's history: what followers were told when the answer came (emailed back then)."""
    summary = (
        f"{responder.display_name} answered officially and moved it to {post.status_enum.label}: "
        f"{markup.first_line(body, 200)}"
    )
    read_at = None if now - moment < timedelta(days=7) else moment + timedelta(hours=6)
    return [
        {"user_id": user_id, "post_id": post.id, "event": Event.RESPONSE, "actor_id": responder.id,
         "summary": summary, "created_at": moment, "read_at": read_at, "emailed": True}
        for user_id in sorted(followers)
    ]  # fmt: skip
