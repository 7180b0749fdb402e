from datetime import timedelta

from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from forum import limits, markup
from forum.auth import safe_next
from forum.extensions import db
from forum.models import Comment, FlagReason, Post, Role, User, utcnow
from forum.moderation.forms import FlagForm, NoteForm, RoleForm, SuspendForm
from forum.permissions import guardian
from forum.posts.views import MAX_ID, load_post, post_url
from forum.services import Refused, accounts, affiliations, moderation, posts
from forum.visibility import visible_posts
from forum.web import error_response, wants_json

bp = Blueprint("moderation", __name__)


def _back(default: str):
    return redirect(safe_next(request.form.get("next")) or default, 303)


def load_comment(comment_id: int) -> Comment:
    if comment_id > MAX_ID:
        abort(404)
    comment = db.session.get(Comment, comment_id)
    if comment is None or not guardian().can_see_comment(comment):
        abort(404)
    load_post(comment.post_id)  # the post must be visible too
    return comment


def load_user(user_id: int) -> User:
    user = db.session.get(User, user_id) if user_id <= MAX_ID else None
    if user is None or (user.deleted_at is not None and not guardian().is_moderator):
        abort(404)
    return user


# -- posts ------------------------------------------------------------------------------
TOGGLE_MESSAGES = {
    "hide": "The post is hidden from members and visitors.",
    "unhide": "The post is visible again.",
    "lock": "The post is locked: no new comments or votes.",
    "unlock": "The post is unlocked.",
    "pin": "The post is pinned.",
    "unpin": "The post is unpinned.",
}


def _toggle(post_id: int, action: str):
    post = load_post(post_id)
    guardian().ensure(guardian().can_moderate())
    reason = markup.clean_text(request.form.get("reason", "")).strip()[:300]
    changed = moderation.toggle_post(current_user, post, action, reason)
    db.session.commit()
    flash(TOGGLE_MESSAGES[action] if changed else "Nothing to change.", "success")
    return _back(post_url(post))


for _action in moderation.POST_TOGGLES:
    bp.add_url_rule(
        f"/posts/<int:post_id>/{_action}",
        f"{_action}_post",
        login_required(lambda post_id, action=_action: _toggle(post_id, action)),
        methods=["POST"],
    )


@bp.post("/posts/<int:post_id>/move")
@login_required
def move_post(post_id: int):
    post = load_post(post_id)
    guardian().ensure(guardian().can_moderate())
    category = next((c for c in posts.categories(guardian()) if c.slug == request.form.get("category")), None)
    if category is None:
        flash("Choose one of the listed categories to move the post to.", "error")
        return redirect(post_url(post), 303)
    moderation.move_post(current_user, post, category)
    db.session.commit()
    flash(f"The post is now in {category.name}.", "success")
    return redirect(post_url(post), 303)


@bp.post("/posts/<int:post_id>/restore")
@login_required
def restore_post(post_id: int):
    post = load_post(post_id)
    guardian().ensure(guardian().can_moderate())
    moderation.restore_post(current_user, post)
    db.session.commit()
    flash("The post is restored.", "success")
    return redirect(post_url(post), 303)


@bp.post("/posts/<int:post_id>/notes")
@login_required
def add_note(post_id: int):
    post = load_post(post_id)
    guardian().ensure(guardian().can_see_notes())
    form = NoteForm()
    if not form.validate():
        # The error page keeps the typed body ("What you typed"), so a too-long note is not lost.
        return error_response(422, " ".join(form.body.errors))
    moderation.add_note(current_user, post, form.body.data)
    db.session.commit()
    flash("Your internal note is saved. Only staff can see it.", "success")
    return redirect(post_url(post, _anchor="notes"), 303)


def _flag(target, back: str):
    form = FlagForm()
    if not form.validate():
        message = " ".join(form.reason.errors) or "Choose a reason for the report."
        if wants_json():
            return jsonify({"error": message}), 422
        flash(message, "error")
        return redirect(back, 303)
    try:
        moderation.flag(current_user, target, FlagReason(form.reason.data), current_app.config["FLAG_THRESHOLD"])
    except Refused as refusal:
        db.session.rollback()
        if wants_json():
            return jsonify({"error": refusal.description}), 409
        flash(refusal.description, "info")
        return redirect(back, 303)
    db.session.commit()
    if wants_json():
        return jsonify({"flagged": True})
    flash("Thank you. A moderator will look at your report.", "success")
    return redirect(back, 303)


@bp.post("/posts/<int:post_id>/flag")
@login_required
@limits.flagging
def flag_post(post_id: int):
    post = load_post(post_id)
    return _flag(post, post_url(post))


# -- comments ---------------------------------------------------------------------------
@bp.post("/comments/<int:comment_id>/flag")
@login_required
@limits.flagging
def flag_comment(comment_id: int):
    comment = load_comment(comment_id)
    post = db.session.get(Post, comment.post_id)
    return _flag(comment, post_url(post, _anchor=f"comment-{comment.id}"))


COMMENT_ACTIONS = {
    "hide": (moderation.hide_comment, "The comment is hidden."),
    "unhide": (moderation.unhide_comment, "The comment is visible again."),
    "delete": (moderation.delete_comment, "The comment is deleted."),
    "restore": (moderation.restore_comment, "The comment is restored."),
}


def _comment_action(comment_id: int, action: str):
    comment = load_comment(comment_id)
    post = db.session.get(Post, comment.post_id)
    service, message = COMMENT_ACTIONS[action]
    service(current_user, comment)
    db.session.commit()
    flash(message, "success")
    return redirect(post_url(post, _anchor=f"comment-{comment.id}"), 303)


for _action in COMMENT_ACTIONS:
    bp.add_url_rule(
        f"/comments/<int:comment_id>/{_action}",
        f"{_action}_comment",
        login_required(lambda comment_id, action=_action: _comment_action(comment_id, action)),
        methods=["POST"],
    )


# -- reports ----------------------------------------------------------------------------
@bp.get("/moderation/flags")
@login_required
def flags():
    guardian().ensure(guardian().can_moderate())
    return render_template("moderation/flags.html", items=moderation.flag_queue(guardian()))


@bp.post("/moderation/flags/<any(post, comment):target_type>/<int:target_id>")
@login_required
def decide(target_type: str, target_id: int):
    guardian().ensure(guardian().can_moderate())
    target = load_post(target_id) if target_type == "post" else load_comment(target_id)
    try:
        moderation.decide(current_user, target, request.form.get("decision", ""))
    except Refused as refusal:
        db.session.rollback()
        flash(refusal.description, "error")
        return redirect(url_for("moderation.flags"), 303)
    db.session.commit()
    flash("Decision recorded; the reports are closed.", "success")
    return redirect(url_for("moderation.flags"), 303)


# -- members ----------------------------------------------------------------------------
@bp.get("/users/<int:user_id>")
def member(user_id: int):
    return _render_member(load_user(user_id))


def _render_member(user: User, suspend_form: SuspendForm | None = None, status: int = 200):
    viewer = guardian()
    post_query = select(Post).where(Post.author_id == user.id).options(db.joinedload(Post.category))
    comment_query = select(Comment, Post).join(Post, Post.id == Comment.post_id).where(Comment.author_id == user.id)
    seen = visible_posts(viewer)
    post_query, comment_query = post_query.where(seen), comment_query.where(seen)
    if not viewer.is_moderator:  # an author's held posts wait out of lists until approved
        post_query = post_query.where(Post.public())
        comment_query = comment_query.where(Comment.public(), Post.public())
    user_posts = list(db.session.scalars(post_query.order_by(Post.created_at.desc()).limit(50)))
    user_comments = list(db.session.execute(comment_query.order_by(Comment.created_at.desc()).limit(50)))
    return render_template(
        "users/show.html",
        user=user,
        posts=user_posts,
        comments=user_comments,
        # Forms only for those who see them: a visitor's page writes no session (forum/caching.py).
        suspend_form=suspend_form or (SuspendForm(formdata=None) if viewer.can_suspend(user) else None),
        role_form=RoleForm(formdata=None, role=user.role) if viewer.can_change_roles() else None,
        companies=affiliations.companies_of([user.id]).get(user.id, []) if viewer.can_see_companies() else [],
    ), status


@bp.post("/users/<int:user_id>/suspend")
@login_required
def suspend(user_id: int):
    user = load_user(user_id)
    guardian().ensure(guardian().can_suspend(user))
    form = SuspendForm()
    if not form.validate():
        # The member page again, the errors next to the fields and the reason as typed.
        return _render_member(user, suspend_form=form, status=422)
    until = utcnow() + timedelta(days=form.days.data) if form.days.data else None
    accounts.suspend(current_user, user, until=until, reason=form.reason.data)
    db.session.commit()
    length = "for good" if until is None else "until " + until.strftime("%-d %B %Y")
    flash(f"{user.display_name} is suspended {length}.", "success")
    return redirect(url_for("moderation.member", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/reinstate")
@login_required
def reinstate(user_id: int):
    user = load_user(user_id)
    guardian().ensure(guardian().can_suspend(user))
    accounts.reinstate(current_user, user)
    db.session.commit()
    flash(f"{user.display_name} can write again, and their votes count again.", "success")
    return redirect(url_for("moderation.member", user_id=user.id), 303)


@bp.post("/users/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    user = load_user(user_id)
    guardian().ensure(guardian().can_change_roles() and user.id != current_user.id)
    form = RoleForm()
    if not form.validate():
        flash(" ".join(form.role.errors), "error")
        return redirect(url_for("moderation.member", user_id=user.id), 303)
    accounts.change_role(current_user, user, Role(form.role.data))
    db.session.commit()
    flash(f"{user.display_name} is now {Role(form.role.data).label.lower()}.", "success")
    return redirect(url_for("moderation.member", user_id=user.id), 303)
