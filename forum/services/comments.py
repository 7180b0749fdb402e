"""Discussion under a post: comments and one level of replies."""

from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased, joinedload

from forum import markup
from forum.extensions import db
from forum.models import Comment, Post, User, utcnow
from forum.permissions import Guardian
from forum.services import Refused, notify
from forum.services.posts import DOUBLE_SUBMIT_WINDOW, touch

COMMENT_MAX = 10000
COMMENTS_PER_PAGE = 100  # top-level comments per page of a post


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


def thread(
    viewer: Guardian, post: Post, page: int = 1, per_page: int = COMMENTS_PER_PAGE
) -> tuple[list[tuple[Comment, list[Comment]]], bool]:
    """One page of top-level comments in order, each with its replies, and whether more follow.
    Two queries whatever the size of the discussion: a post with thousands of comments renders
    a bounded page."""
    visible = [] if viewer.is_moderator else [Comment.deleted_at.is_(None), Comment.is_hidden.is_(False)]
    parent = aliased(Comment)
    # A reply whose parent is out of sight still shows, on its own, as a top-level comment.
    parent_gone = [] if viewer.is_moderator else [parent.deleted_at.is_not(None), parent.is_hidden.is_(True)]
    top = list(
        db.session.scalars(
            select(Comment)
            .outerjoin(parent, Comment.parent_id == parent.id)
            .where(Comment.post_id == post.id, *visible, or_(Comment.parent_id.is_(None), *parent_gone))
            .options(joinedload(Comment.author))
            .order_by(Comment.created_at, Comment.id)
            .limit(per_page + 1)
            .offset((page - 1) * per_page)
        )
    )
    has_more = len(top) > per_page
    top = top[:per_page]
    replies: dict[int, list[Comment]] = {}
    if top:
        for reply in db.session.scalars(
            select(Comment)
            .where(Comment.parent_id.in_([c.id for c in top]), *visible)
            .options(joinedload(Comment.author))
            .order_by(Comment.created_at, Comment.id)
        ):
            replies.setdefault(reply.parent_id, []).append(reply)
    return [(c, replies.get(c.id, [])) for c in top], has_more
