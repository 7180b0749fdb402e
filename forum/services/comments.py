"""Discussion under a post: comments and one level of replies."""

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from forum import markup
from forum.extensions import db
from forum.models import Comment, Post, User, utcnow
from forum.permissions import Guardian
from forum.services import Refused, notify
from forum.services.posts import DOUBLE_SUBMIT_WINDOW, touch

COMMENT_MAX = 10000


def add_comment(actor: User, post: Post, body: str, parent: Comment | None = None) -> Comment:
    Guardian(actor).ensure(Guardian(actor).can_comment(post))
    if parent is not None and parent.post_id != post.id:
        raise Refused("You can only reply to a comment on the same post.")
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


def thread(viewer: Guardian, post: Post) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments in order, each with its replies."""
    query = select(Comment).where(Comment.post_id == post.id).options(joinedload(Comment.author))
    if not viewer.is_moderator:
        query = query.where(Comment.deleted_at.is_(None), Comment.is_hidden.is_(False))
    comments = list(db.session.scalars(query.order_by(Comment.created_at, Comment.id)))
    shown = {c.id for c in comments}
    replies: dict[int, list[Comment]] = {}
    top: list[Comment] = []
    for comment in comments:
        # A reply whose parent is out of sight still shows, on its own.
        if comment.parent_id in shown:
            replies.setdefault(comment.parent_id, []).append(comment)
        else:
            top.append(comment)
    return [(c, replies.get(c.id, [])) for c in top]
