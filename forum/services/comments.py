"""Discussion under a post: comments and one level of replies."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, bindparam, or_, select, update
from sqlalchemy.orm import aliased

from forum import markup
from forum.extensions import db
from forum.models import Comment, CommentRevision, Post, User, utcnow
from forum.permissions import Guardian
from forum.services import Refused, notify
from forum.services.posts import DOUBLE_SUBMIT_WINDOW, CardAuthor, touch

COMMENT_MAX = 10000
# Top-level comments per page of a post, each with all its replies: rendering was most of a busy
# post's time, and a page of all its comments was too heavy to send.
COMMENTS_PER_PAGE = 50


def add_comment(actor: User, post: Post, body: str, parent: Comment | None = None) -> Comment:
    Guardian(actor).ensure(Guardian(actor).can_comment(post))
    if parent is not None and parent.post_id != post.id:
        raise Refused("You can only reply to a comment on the same post.")
    if parent is not None and (parent.is_hidden or parent.deleted_at is not None):
        raise Refused("That comment is no longer available: comment on the post instead.")
    # Replies to a reply join the same thread: one level of nesting is shown.
    parent_id = None if parent is None else (parent.parent_id or parent.id)
    body = markup.clean_text(body).strip()
    twin = db.session.scalars(
        select(Comment).where(
            Comment.post_id == post.id,
            Comment.author_id == actor.id,
            Comment.body == body,
            Comment.parent_id.is_(None) if parent_id is None else Comment.parent_id == parent_id,
            Comment.created_at >= utcnow() - DOUBLE_SUBMIT_WINDOW,
        )
    ).first()
    if twin is not None:
        return twin
    comment = Comment(
        post_id=post.id, author_id=actor.id, parent_id=parent_id, body=body, body_html=markup.render(body)
    )
    db.session.add(comment)
    db.session.execute(
        update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1),
        execution_options={"synchronize_session": False},
    )
    touch(post)
    db.session.flush()
    notify.auto_follow(actor, post)
    notify.commented(actor, post, comment, parent)
    return comment


def edit_comment(actor: User, comment: Comment, post: Post, body: str) -> bool:
    """The author changes a comment's words; what it said before is kept as a revision. False when
    nothing changed."""
    guardian = Guardian(actor)
    guardian.ensure(guardian.can_edit_comment(comment, post))
    body = markup.clean_text(body).strip()
    if body == comment.body:
        return False
    now = utcnow()
    db.session.add(CommentRevision(comment_id=comment.id, editor_id=actor.id, body=comment.body, created_at=now))
    comment.body, comment.body_html, comment.updated_at = body, markup.render(body), now
    db.session.flush()
    return True


def revisions(comment: Comment) -> list[CommentRevision]:
    """A comment's earlier texts, newest first."""
    return list(
        db.session.scalars(
            select(CommentRevision)
            .where(CommentRevision.comment_id == comment.id)
            .order_by(CommentRevision.created_at.desc(), CommentRevision.id.desc())
        )
    )


@dataclass(frozen=True, slots=True)
class ThreadComment:
    """A comment as the discussion shows it, read as a plain row: loading a page of comments as
    `Comment` objects with their authors took ten times longer than the query."""

    id: int
    post_id: int
    author_id: int
    parent_id: int | None
    body_html: str
    created_at: datetime
    updated_at: datetime | None
    deleted_at: datetime | None
    is_hidden: bool
    author: CardAuthor


_THREAD_COLUMNS = (
    Comment.id,
    Comment.post_id,
    Comment.author_id,
    Comment.parent_id,
    Comment.body_html,
    Comment.created_at,
    Comment.updated_at,
    Comment.deleted_at,
    Comment.is_hidden,
    User.display_name,
    User.role,
)


def thread(
    viewer: Guardian, post: Post, page: int = 1, per_page: int = COMMENTS_PER_PAGE
) -> tuple[list[tuple[ThreadComment, list[ThreadComment]]], bool]:
    """One page of top-level comments in order, each with its replies, and whether more follow.
    Two queries whatever the size of the discussion: a post with thousands of comments renders
    a bounded page."""
    top_query, replies_query = _thread_statements(viewer.is_moderator)
    top = _thread_comments(top_query, {"post_id": post.id, "limit": per_page + 1, "offset": (page - 1) * per_page})
    has_more = len(top) > per_page
    top = top[:per_page]
    replies: dict[int, list[ThreadComment]] = {}
    if top:
        for reply in _thread_comments(replies_query, {"parent_ids": [c.id for c in top]}):
            replies.setdefault(reply.parent_id, []).append(reply)
    return [(c, replies.get(c.id, [])) for c in top], has_more


@cache
def _thread_statements(for_moderator: bool) -> tuple[Select, Select]:
    """The page's two queries, built once (building them took as long as running them)."""
    visible = [] if for_moderator else [Comment.public()]
    parent = aliased(Comment)
    # A reply whose parent is out of sight still shows, on its own, as a top-level comment.
    parent_gone = [] if for_moderator else [parent.deleted_at.is_not(None), parent.is_hidden.is_(True)]
    top = (
        select(*_THREAD_COLUMNS)
        .join(User, User.id == Comment.author_id)
        .outerjoin(parent, Comment.parent_id == parent.id)
        .where(Comment.post_id == bindparam("post_id"), *visible, or_(Comment.parent_id.is_(None), *parent_gone))
        .order_by(Comment.created_at, Comment.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )
    replies = (
        select(*_THREAD_COLUMNS)
        .join(User, User.id == Comment.author_id)
        .where(Comment.parent_id.in_(bindparam("parent_ids", expanding=True)), *visible)
        .order_by(Comment.created_at, Comment.id)
    )
    return top, replies


def _thread_comments(query: Select, params: dict) -> list[ThreadComment]:
    return [ThreadComment(*row[:9], author=CardAuthor(row[9], row[10])) for row in db.session.execute(query, params)]
