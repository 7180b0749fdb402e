"""Demo data: a believable forum to click through on first start."""

import random
from datetime import timedelta

from sqlalchemy import func, select

from forum import markup
from forum.extensions import db
from forum.models import (
    Category,
    Comment,
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
    utcnow,
)
from forum.services import accounts
from forum.services.counters import recount
from forum.services.posts import slugify

# Sign-in details printed in the README.
STAFF_ACCOUNTS = [
    ("admin@example.com", "Ada Admin", Role.ADMIN, "demo-admin-pass"),
    ("staff@example.com", "Sam from Support", Role.STAFF, "demo-staff-pass"),
    ("moderator@example.com", "Mo Moderator", Role.MODERATOR, "demo-mod-pass"),
]
MEMBER_PASSWORD = "demo-member-pass"
# The order a post moves through on its way to `done`.
PATH = [Status.OPEN, Status.UNDER_REVIEW, Status.PLANNED, Status.IN_PROGRESS, Status.DONE]


def load_demo(seed: int = 7) -> str | None:
    if db.session.scalar(select(func.count()).select_from(Post)):
        return None
    from forum.demo.content import CATEGORIES, MEMBER_NAMES, POSTS

    rng = random.Random(seed)
    now = utcnow()
    staff = [accounts.create_user(email, password, name, role) for email, name, role, password in STAFF_ACCOUNTS]
    members = [
        accounts.create_user(f"member{i + 1}@example.com", MEMBER_PASSWORD, name) for i, name in enumerate(MEMBER_NAMES)
    ]
    categories = {}
    for position, spec in enumerate(CATEGORIES):
        category = Category(position=position, **spec)
        db.session.add(category)
        categories[spec["slug"]] = category
    db.session.flush()

    for spec in POSTS:
        created = now - timedelta(days=rng.uniform(0.2, 150), minutes=rng.randint(0, 600))
        author = rng.choice(members)
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
        # A few posts draw most of the votes, as on any real forum.
        voters = {author} | set(rng.sample(members, min(len(members), int(rng.paretovariate(1.2) * 3))))
        for voter in voters:
            db.session.add(Vote(user_id=voter.id, post_id=post.id, created_at=_between(rng, created, now)))
        followers = set(voters)
        moment = created
        for text in spec["comments"]:
            moment = _between(rng, moment, now)
            commenter = rng.choice(members)
            followers.add(commenter)
            db.session.add(
                Comment(
                    post_id=post.id,
                    author_id=commenter.id,
                    body=text,
                    body_html=markup.render(text),
                    created_at=moment,
                )
            )
        for follower in followers:
            db.session.add(Follow(user_id=follower.id, post_id=post.id, created_at=created))
        if spec["response"]:
            responder = rng.choice(staff[:2])
            moment = _respond(rng, post, spec["response"], responder, moment, now)
            _tell_followers(post, followers, responder, spec["response"]["body"], moment, now)
        post.last_activity_at = moment
    db.session.flush()
    recount()
    return (
        f"Loaded {len(CATEGORIES)} categories, {len(POSTS)} posts, {len(members)} members and "
        f"{len(staff)} staff accounts."
    )


def _tell_followers(post: Post, followers: set[User], responder: User, body: str, moment, now) -> None:
    """The bell's history: what followers were told when the answer came (emailed back then)."""
    summary = (
        f"{responder.display_name} answered officially and moved it to {post.status_enum.label}: "
        f"{markup.first_line(body, 200)}"
    )
    for follower in followers:
        db.session.add(
            Notification(
                user_id=follower.id,
                post_id=post.id,
                event=Event.RESPONSE,
                actor_id=responder.id,
                summary=summary,
                created_at=moment,
                read_at=None if now - moment < timedelta(days=7) else moment + timedelta(hours=6),
                emailed=True,
            )
        )


def _between(rng: random.Random, start, end):
    return start + (end - start) * rng.random() ** 2


def _respond(rng, post: Post, spec: dict, responder: User, after, now):
    target = Status(spec["status"])
    moment = _between(rng, after, now)
    response = OfficialResponse(
        post_id=post.id,
        author_id=responder.id,
        body=spec["body"],
        body_html=markup.render(spec["body"]),
        created_at=moment,
    )
    db.session.add(response)
    db.session.flush()
    post.first_response_at = moment
    # Walk the usual path so the timeline reads like real history.
    steps = PATH[1 : PATH.index(target) + 1] if target in PATH else [target]
    previous = Status.OPEN
    for index, step in enumerate(steps):
        last = index == len(steps) - 1
        when = moment if last else moment - timedelta(days=len(steps) - index)
        db.session.add(
            StatusChange(
                post_id=post.id,
                actor_id=responder.id,
                from_status=previous,
                to_status=step,
                response_id=response.id if last else None,
                created_at=max(when, post.created_at),
            )
        )
        previous = step
    post.status = target
    post.status_changed_at = moment
    return moment
