from datetime import datetime

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required

from forum import feeds, limits, markup
from forum.auth import safe_next
from forum.extensions import csrf, db
from forum.links import absolute_url
from forum.models import EmailMode, Event, Post
from forum.notifications.forms import PreferencesForm
from forum.permissions import anyone
from forum.posts.views import load_post, post_url
from forum.services import delivery, notify, posts, responses, roadmap
from forum.web import wants_json

bp = Blueprint("notifications", __name__)
FEED_SIZE = 50


@bp.app_context_processor
def bell():
    """The unread count under the bell, for signed-in members (one small indexed query, once per
    request: a page may render a part of itself apart, such as a post's comments)."""
    if not current_user.is_authenticated:
        return {"unread_notifications": 0}
    if "unread_notifications" not in g:
        g.unread_notifications = notify.unread_count(current_user)
    return {"unread_notifications": g.unread_notifications}


# -- following ---------------------------------------------------------------------------
@bp.post("/posts/<int:post_id>/follow")
@login_required
@limits.voting
def follow(post_id: int):
    return _follow(post_id, True)


@bp.post("/posts/<int:post_id>/unfollow")
@login_required
@limits.voting
def unfollow(post_id: int):
    return _follow(post_id, False)


def _follow(post_id: int, following: bool):
    post = load_post(post_id)
    (notify.follow if following else notify.unfollow)(current_user, post)
    db.session.commit()
    if wants_json():
        return jsonify({"following": following})
    flash(
        "You follow this post: you will hear about answers and status changes."
        if following
        else "You no longer follow this post.",
        "success",
    )
    return redirect(safe_next(request.form.get("next")) or post_url(post), 303)


@bp.get("/following")
@login_required
def following():
    return render_template("notifications/following.html", posts=notify.followed_posts(current_user))


# -- the bell ------------------------------------------------------------------------------
@bp.get("/notifications")
@login_required
def index():
    return render_template("notifications/index.html", groups=notify.recent(current_user))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def mark_read(notification_id: int):
    notify.mark_read(current_user, notification_id)
    db.session.commit()
    return redirect(url_for("notifications.index"), 303)


@bp.post("/notifications/read")
@login_required
def mark_all_read():
    count = notify.mark_read(current_user)
    db.session.commit()
    flash(f"Marked {count} notification{'' if count == 1 else 's'} as read.", "success")
    return redirect(url_for("notifications.index"), 303)


# -- email preferences and unsubscribing ---------------------------------------------------
@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    chosen = notify.preferences(current_user)
    form = PreferencesForm(data={event.value: mode.value for event, mode in chosen.items()})
    if form.validate_on_submit():
        for event in Event:
            notify.set_preference(current_user, event, EmailMode(form[event.value].data))
        db.session.commit()
        flash("Your email preferences are saved.", "success")
        return redirect(url_for("notifications.settings"), 303)
    status = 422 if form.is_submitted() else 200
    return render_template("notifications/settings.html", form=form, events=list(Event)), status


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click: the mail client POSTs without a form; the signed token is the proof
def unsubscribe(token: str):
    found = delivery.read_unsubscribe_token(token)
    if found is None:
        abort(404)
    user, stops = found
    label = "your digest" if stops == delivery.DIGEST else stops.label
    if request.method == "POST":
        if stops == delivery.DIGEST:
            notify.stop_digests(user)
        else:
            notify.set_preference(user, stops, EmailMode.OFF)
        db.session.commit()
        return render_template("notifications/unsubscribe.html", label=label, token=token, done=True)
    return render_template("notifications/unsubscribe.html", label=label, token=token, done=False)


# -- feeds ------------------------------------------------------------------------------------
@bp.get("/posts/<int:post_id>/feed.atom")
def post_feed(post_id: int):
    """A post's official responses and status changes."""
    post = load_post(post_id)
    if not anyone().can_see_post(post):
        abort(404)  # a feed reader is no one in particular
    feed = feeds.new_feed(
        f"{post.title} · updates",
        absolute_url("posts.show", post_id=post.id, slug=post.slug),
        absolute_url("notifications.post_feed", post_id=post.id),
    )
    # One entry per event: a status change (carrying the official response that made it, if one did),
    # or an official response that moved no status.
    answers = {answer.id: answer for answer in responses.all_responses(post)}
    items = []  # (moment, anchor, title, summary)
    for change in responses.timeline(post):
        moved = f"{change.from_status} → {change.to_status}".replace("_", " ")
        answer = answers.pop(change.response_id, None)
        if answer is None:
            items.append((change.created_at, f"status-{change.id}", moved, f"The status moved: {moved}."))
        else:
            title = f"Official response: {markup.first_line(answer.body)}"
            summary = f"{markup.plain_text(answer.body)}\n\nThe status moved: {moved}."
            items.append((change.created_at, f"status-{change.id}", title, summary))
    for answer in answers.values():
        title = f"Official response: {markup.first_line(answer.body)}"
        items.append((answer.created_at, f"response-{answer.id}", title, markup.plain_text(answer.body)))
    items.sort()
    for moment, anchor, title, summary in items:
        entry = feed.add_entry(order="append")
        entry.id(absolute_url("posts.show", post_id=post.id, _anchor=anchor))
        entry.title(title)
        entry.link(href=absolute_url("posts.show", post_id=post.id, slug=post.slug), rel="alternate", type="text/html")
        entry.updated(moment)
        entry.summary(summary)
    return feeds.answer(feed, items[-1][0] if items else post.created_at)


@bp.get("/feed.atom")
def site_feed():
    """The newest posts of every category."""
    feed = feeds.new_feed("new posts", absolute_url("posts.index", sort="new"), absolute_url("notifications.site_feed"))
    return _posts_feed(feed, posts.newest_in(anyone(), None, FEED_SIZE))


@bp.get("/categories/<slug>.atom")
def category_feed(slug: str):
    """A category's new posts."""
    # A feed reader is no one in particular: a private category has no feed (nor a name to show).
    category = next((c for c in posts.categories(anyone()) if c.slug == slug), None)
    if category is None:
        abort(404)
    feed = feeds.new_feed(
        f"{category.name}: new posts",
        absolute_url("posts.index", category=slug, sort="new"),
        absolute_url("notifications.category_feed", slug=slug),
    )
    return _posts_feed(feed, posts.newest_in(anyone(), category, FEED_SIZE))


def _posts_feed(feed, newest):
    """Entries for posts: the post's first lines, and the company's answer when there is one."""
    answers = roadmap.latest_response_lines([post.id for post in newest], whole=True)
    company = current_app.config["COMPANY_NAME"]
    for post in newest:
        entry = feed.add_entry(order="append")
        entry.id(absolute_url("posts.show", post_id=post.id))
        entry.title(post.title)
        entry.link(href=absolute_url("posts.show", post_id=post.id, slug=post.slug), rel="alternate", type="text/html")
        entry.author(name=post.author.display_name)
        entry.published(post.created_at)
        entry.updated(changed_at(post))
        entry.category(term=post.category.slug, label=post.category.name)
        summary = markup.first_line(post.body, limit=500)
        if post.id in answers:
            summary += f"\n\n{company} answered: {answers[post.id]}"
        entry.summary(summary)
    return feeds.answer(feed, max(map(changed_at, newest), default=None))


def changed_at(post: Post) -> datetime:
    """When what a post's entry shows last changed: its text or its status (an answer moves it)."""
    return max(moment for moment in (post.created_at, post.updated_at, post.status_changed_at) if moment)
