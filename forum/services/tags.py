"""Tags: staff label posts ("billing, ios"); members see them and filter by them."""

import hashlib
import re
import unicodedata

from sqlalchemy import func, select

from forum import caching, markup
from forum.extensions import db
from forum.models import PALETTE, Post, PostTag, Tag, User
from forum.permissions import Guardian
from forum.services import Refused, audit

NAME_MAX = 40
TAGS_PER_POST = 10
# New tags take the palette's colours in turn; blue and gray are the statuses' most common ones.
TAG_COLORS = tuple(color for color in PALETTE if color not in ("gray",))


def parse(text: str | None) -> list[str]:
    """Tag names from what staff typed, separated by commas: trimmed, once each (case aside)."""
    names, seen = [], set()
    for raw in (text or "").split(","):
        name = " ".join(markup.one_line(raw).split())
        if not name or name.lower() in seen:
            continue
        if len(name) > NAME_MAX:
            raise Refused(f"“{name[:NAME_MAX]}…” is too long: keep each tag to {NAME_MAX} characters.")
        seen.add(name.lower())
        names.append(name)
    if len(names) > TAGS_PER_POST:
        raise Refused(f"A post takes {TAGS_PER_POST} tags at most.")
    return names


def slug_for(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:NAME_MAX].rstrip("-")
    # A name with no Latin letters (日本語) still needs a stable address.
    return slug or "tag-" + hashlib.sha256(name.lower().encode()).hexdigest()[:10]


def of_post(post: Post) -> list[Tag]:
    return list(
        db.session.scalars(
            select(Tag).join(PostTag, PostTag.tag_id == Tag.id).where(PostTag.post_id == post.id).order_by(Tag.name)
        )
    )


def set_tags(actor: User, post: Post, names: list[str]) -> bool:
    """Give the post exactly these tags, creating those that do not exist; False when nothing changed."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_tag(post))
    current = of_post(post)
    wanted: list[Tag] = []
    for name in names:
        slug = slug_for(name)
        tag = db.session.scalars(select(Tag).where(Tag.slug == slug)).first()
        if tag is None:
            count = db.session.scalar(select(func.count()).select_from(Tag))
            tag = Tag(name=name, slug=slug, color=TAG_COLORS[count % len(TAG_COLORS)])
            db.session.add(tag)
            db.session.flush()
            caching.will_change(db.session, "tags")
        if tag not in wanted:
            wanted.append(tag)
    if {t.id for t in wanted} == {t.id for t in current}:
        return False
    removed = [t.id for t in current if t not in wanted]
    if removed:
        for link in db.session.scalars(
            select(PostTag).where(PostTag.post_id == post.id, PostTag.tag_id.in_(removed))
        ):  # ORM deletes, so the search index hears of them (forum/search)
            db.session.delete(link)
    for tag in wanted:
        if tag not in current:
            db.session.add(PostTag(post_id=post.id, tag_id=tag.id))
    audit.record(actor, "tags", "post", post.id, {"tags": [t.name for t in current]},
                 {"tags": [t.name for t in wanted]})  # fmt: skip
    db.session.flush()
    return True
