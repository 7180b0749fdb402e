"""The audit log: every moderator and staff action, written in the same
transaction as the action itself, never edited afterwards."""

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from forum import markup
from forum.extensions import db
from forum.models import AuditEntry, Category, Comment, Post, User, utcnow


def record(
    actor: User | None,
    action: str,
    target_type: str,
    target_id: int,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """`actor` None: the system acted on its own; `after` then says why."""
    entry = AuditEntry(
        actor_id=None if actor is None else actor.id,
        actor_role=None if actor is None else str(actor.role),
        action=action,
        target_type=target_type,
        target_id=target_id,
        before=_plain(before),
        after=_plain(after),
        created_at=utcnow(),
    )
    db.session.add(entry)
    return entry


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """JSON-ready copies: times as ISO text, enums as their values."""
    if values is None:
        return None
    return {key: value.isoformat() if hasattr(value, "isoformat") else value for key, value in values.items()}


# -- the log in sentences -------------------------------------------------------------
# "Mia (moderator) hid the comment “Totally agree…” on “Dark mode”, 3 reports". What each action
# is called in the filter, and the verb its sentence uses.
ACTIONS = {
    "hide": ("Hid", "hid"),
    "hide_by_flags": ("Hidden after reports", "hid"),
    "confirm_hide": ("Kept hidden after reports", "kept hidden"),
    "keep": ("Kept after reports", "kept"),
    "unhide": ("Unhid", "unhid"),
    "delete": ("Deleted", "deleted"),
    "restore": ("Restored", "restored"),
    "lock": ("Locked", "locked"),
    "unlock": ("Unlocked", "unlocked"),
    "pin": ("Pinned", "pinned"),
    "unpin": ("Unpinned", "unpinned"),
    "move": ("Moved to a category", "moved"),
    "edit": ("Edited a member's post", "edited"),
    "merge": ("Merged", "merged"),
    "unmerge": ("Undid a merge", "undid the merge of"),
    "note": ("Internal note", "wrote an internal note on"),
    "respond": ("Official response", "answered officially on"),
    "edit_response": ("Corrected an official response", "corrected the official response on"),
    "status": ("Changed a status", "moved"),
    "suspend": ("Suspended", "suspended"),
    "reinstate": ("Reinstated", "reinstated"),
    "role": ("Changed a role", "changed the role of"),
}
QUOTE_LIMIT = 40


@dataclass(frozen=True)
class Link:
    """A piece of a sentence that links somewhere: kind is "post", "comment" or "user"."""

    text: str
    kind: str
    id: int
    post_id: int | None = None  # a comment's post, for its address


@dataclass
class Sentence:
    entry: AuditEntry
    parts: list  # str and Link, in order

    @property
    def text(self) -> str:
        return "".join(part if isinstance(part, str) else part.text for part in self.parts)


def action_label(action: str) -> str:
    return ACTIONS.get(action, (action.replace("_", " ").capitalize(), ""))[0]


def _excerpt(line: str) -> str:
    """The first words of a line, cut at a word's end."""
    if len(line) <= QUOTE_LIMIT:
        return line
    head = line[: QUOTE_LIMIT + 1]  # a word that ends at the limit is kept whole
    cut = head.rsplit(" ", 1)[0] if " " in head else line[: QUOTE_LIMIT - 1]
    return cut.rstrip(" ,.;:") + "…"


def _quote(text: str) -> str:
    return f"“{text}”"


def _status(value: Any) -> str:
    return str(value or "").replace("_", " ").capitalize()


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def sentences(entries: list[AuditEntry]) -> list[Sentence]:
    """Each entry as a sentence naming what it acted on, read in a few queries for the whole page."""
    ids: dict[str, set[int]] = {"post": set(), "comment": set(), "user": set(), "category": set()}
    for e in entries:
        if e.target_type in ids:
            ids[e.target_type].add(e.target_id)
        if e.actor_id is not None:
            ids["user"].add(e.actor_id)
        after, before = e.after or {}, e.before or {}
        if after.get("merged_into_id") or before.get("merged_into_id"):
            ids["post"].add(after.get("merged_into_id") or before.get("merged_into_id"))
        for values in (before, after):
            if values.get("category_id"):
                ids["category"].add(values["category_id"])
    comments = _by_id(Comment, ids["comment"])
    ids["post"] |= {c.post_id for c in comments.values()}
    posts, users, categories = _by_id(Post, ids["post"]), _by_id(User, ids["user"]), _by_id(Category, ids["category"])
    return [Sentence(e, _parts(e, posts, comments, users, categories)) for e in entries]


def _by_id(model, ids: set[int]) -> dict:
    if not ids:
        return {}
    return {row.id: row for row in db.session.scalars(select(model).where(model.id.in_(ids)))}


def _post_link(post: Post | None, fallback_id: int) -> Link | str:
    if post is None:
        return f"post {fallback_id} (no longer exists)"
    return Link(_quote(post.title), "post", post.id)


def _parts(e: AuditEntry, posts: dict, comments: dict, users: dict, categories: dict) -> list:
    before, after = e.before or {}, e.after or {}
    actor = users.get(e.actor_id) if e.actor_id is not None else None
    parts: list = []
    if e.actor_id is None:
        parts.append("The system")
    elif actor is None:
        parts.append(f"Member {e.actor_id}")
    else:
        parts.append(Link(actor.display_name, "user", actor.id))
        role = e.actor_role or actor.role
        parts.append(f" ({role})")
    verb = ACTIONS.get(e.action, ("", e.action.replace("_", " ")))[1]
    parts.append(f" {verb} ")
    # What it acted on.
    if e.target_type == "comment":
        comment = comments.get(e.target_id)
        if comment is None:
            parts.append(f"comment {e.target_id}")
        else:
            excerpt = _excerpt(markup.first_line(comment.body, 500)) or "(empty)"
            parts += ["the comment ", Link(_quote(excerpt), "comment", comment.id, comment.post_id), " on ",
                      _post_link(posts.get(comment.post_id), comment.post_id)]  # fmt: skip
    elif e.target_type == "user":
        user = users.get(e.target_id)
        parts.append(Link(user.display_name, "user", user.id) if user else f"member {e.target_id}")
    elif e.target_type == "category":
        category = categories.get(e.target_id)
        parts += ["the category ", Link(_quote(category.name) if category else f"category {e.target_id}", "category",
                                        e.target_id)]  # fmt: skip
    elif e.target_type in ("webhook", "api_key", "company", "status", "sign_in_provider"):
        parts.append(Link(f"{e.target_type.replace('_', ' ')} {e.target_id}", e.target_type, e.target_id))
    else:
        parts.append(_post_link(posts.get(e.target_id), e.target_id))
    parts += _details(e.action, before, after, posts, categories)
    return parts


def _details(action: str, before: dict, after: dict, posts: dict, categories: dict) -> list:
    details: list = []
    if action == "move":
        old, new = categories.get(before.get("category_id")), categories.get(after.get("category_id"))
        details.append(f" from {old.name if old else '?'} to {new.name if new else '?'}")
    elif action == "merge" and after.get("merged_into_id"):
        details += [" into ", _post_link(posts.get(after["merged_into_id"]), after["merged_into_id"])]
        moved, dropped = after.get("votes_moved", 0), after.get("votes_dropped", 0)
        details.append(f", {_plural(moved, 'vote')} moved, {_plural(dropped, 'voter')} counted once")
    elif action == "unmerge" and before.get("merged_into_id"):
        details += [" into ", _post_link(posts.get(before["merged_into_id"]), before["merged_into_id"])]
    elif action == "status":
        details.append(f" from {_status(before.get('status'))} to {_status(after.get('status'))}")
    elif action == "respond" and before.get("status") != after.get("status"):
        details.append(f", moving it from {_status(before.get('status'))} to {_status(after.get('status'))}")
    elif action == "role":
        details.append(f" from {before.get('role')} to {after.get('role')}")
    elif action == "suspend":
        until = str(after.get("suspended_until") or "")
        details.append(" for good" if until.startswith("9999") or not until else f" until {until[:10]}")
        if after.get("reason"):
            details.append(f": {_quote(after['reason'])}")
    if after.get("reports"):
        reasons = after.get("reasons") or {}
        why = ", ".join(f"{count} {reason.replace('_', '-')}" for reason, count in reasons.items())
        cause = "after " if action == "hide_by_flags" else ""
        details.append(f", {cause}{_plural(after['reports'], 'report')}{f' ({why})' if why else ''}")
    return details
