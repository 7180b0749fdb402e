from feedgen.feed import FeedGenerator
from flask import (
    Blueprint,
    Response,
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

from forum import limits, markup
from forum.auth import safe_next
from forum.extensions import csrf, db
from forum.links import absolute_url
from forum.models import Category, EmailMode, Event, utcnow
from forum.notifications.forms import PreferencesForm
from forum.posts.views import load_post, post_url
from forum.services import delivery, notify, posts, responses
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
    if post.is_hidden:
        abort(404)  # a feed reader is no one in particular
    link = absolute_url("posts.show", post_id=post.id, slug=post.slug)
    feed = _feed(
        f"{post.title} · updates",
        link,
        absolute_url("notifications.post_feed", post_id=post.id),
    )
    items = []
    for change in responses.timeline(post):
        items.append(
            (change.created_at, f"status-{change.id}", f"{change.from_status} → {change.to_status}".replace("_", " "))
        )
    for answer in responses.all_responses(post):
        items.append(
            (answer.created_at, f"response-{answer.id}", f"Official response: {markup.first_line(answer.body)}")
        )
    items.sort()
    feed.updated(items[-1][0] if items else post.created_at)
    for moment, key, title in items:
        entry = feed.add_entry(order="append")
        entry.id(f"{absolute_url('posts.show', post_id=post.id, slug=post.slug)}#{key}")
        entry.title(title)
        entry.link(href=link)
        entry.updated(moment)
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


@bp.get("/categories/<slug>.atom")
def category_feed(slug: str):
    """A category's new posts."""
    category = db.session.scalars(db.select(Category).where(Category.slug == slug)).first()
    if category is None:
        abort(404)
    feed = _feed(
        f"{category.name}: new posts",
        absolute_url("posts.index", category=slug, sort="new"),
        absolute_url("notifications.category_feed", slug=slug),
    )
    newest = posts.newest_in(category, FEED_SIZE)
    feed.updated(newest[0].created_at if newest else utcnow())
    for post in newest:
        entry = feed.add_entry(order="append")
        link = absolute_url("posts.show", post_id=post.id, slug=post.slug)
        entry.id(link)
        entry.title(post.title)
        entry.link(href=link)
        entry.author(name=post.author.display_name)
        entry.published(post.created_at)
        entry.updated(post.updated_at or post.created_at)
        entry.summary(markup.first_line(post.body))
    return Response(feed.atom_str(pretty=True), mimetype="application/atom+xml")


def _feed(title: str, alternate: str, self_url: str) -> FeedGenerator:
    feed = FeedGenerator()
    feed.id(self_url)
    feed.title(f"{current_app.config['SITE_NAME']}: {title}")
    feed.link(href=alternate, rel="alternate")
    feed.link(href=self_url, rel="self")
    feed.language("en")
    feed.author(name=current_app.config["COMPANY_NAME"])  # RFC 4287: a feed names an author
    return feed
