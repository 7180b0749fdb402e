from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from forum import caching, feeds, markup
from forum.extensions import db, reads_only
from forum.links import absolute_url
from forum.permissions import anyone, guardian
from forum.posts.filters import ListFilters
from forum.posts.views import MAX_ID
from forum.services import Refused, insights, posts, releases, roadmap
from forum.web import whole_number

bp = Blueprint("roadmap", __name__)
FEED_SIZE = 50


@bp.get("/roadmap")
@caching.for_visitors
@reads_only
def index():
    categories = posts.categories(guardian())
    filters = ListFilters.from_args(request.args, categories, fields=("category", "kind", "tag"))
    columns, response_lines = roadmap.board(guardian(), category=filters.category, kind=filters.kind, tag=filters.tag)
    return render_template(
        "roadmap/index.html", columns=columns, response_lines=response_lines, categories=categories, filters=filters
    ), 400 if filters.problems else 200


@bp.get("/changelog")
def changelog():
    raw = request.args.get("page", "1")
    page = whole_number(raw, 1, current_app.config["MAX_PAGE"])
    if page is None:
        abort(400, "Pages are numbered from 1.")
    entries, has_next = releases.changelog(guardian(), page=page, per_page=current_app.config["POSTS_PER_PAGE"])
    lines = roadmap.latest_response_lines([e.post.id for e in entries if e.post is not None])
    return render_template(
        "roadmap/changelog.html", entries=entries, response_lines=lines, page=page, has_next=has_next, single=False
    )


@bp.get("/changelog/<int:note_id>")
def release_note(note_id: int):
    """One release note's own address (the feed's entry id and link)."""
    entry = releases.note_entry(guardian(), note_id) if note_id <= MAX_ID else None
    if entry is None:
        abort(404)
    return render_template(
        "roadmap/changelog.html", entries=[entry], response_lines={}, page=1, has_next=False, single=True
    )


@bp.route("/changelog/new", methods=["GET", "POST"])
@login_required
def new_release_note():
    guardian().ensure(guardian().can_write_release_notes())
    typed = {name: request.form.get(name, "") for name in ("title", "body", "posts", "date")}
    if request.method == "GET":
        typed["posts"] = request.args.get("posts", "")[:500]
        return render_template("roadmap/release_note_form.html", typed=typed, problem=None, candidates=_candidates())
    try:
        note = releases.publish(
            current_user,
            title=typed["title"],
            body=typed["body"],
            post_ids=releases.parse_post_ids(typed["posts"]),
            released_at=releases.parse_date(typed["date"]),
        )
    except Refused as refusal:
        db.session.rollback()
        return render_template(
            "roadmap/release_note_form.html", typed=typed, problem=refusal.description, candidates=_candidates()
        ), 422
    db.session.commit()
    flash(f"“{note.title}” is published; the voters and followers of its posts are told.", "success")
    return redirect(url_for("roadmap.release_note", note_id=note.id), 303)


def _candidates():
    """Done posts no release note names yet, newest first: what a new note may ship."""
    return releases.unreleased(guardian(), limit=30)


@bp.get("/changelog.atom")
def changelog_feed():
    # A feed reader is no one in particular: what a visitor may see.
    entries, _ = releases.changelog(anyone(), page=1, per_page=FEED_SIZE)
    lines = roadmap.latest_response_lines([e.post.id for e in entries if e.post is not None], whole=True)
    company = current_app.config["COMPANY_NAME"]
    feed = feeds.new_feed(
        "shipped",
        absolute_url("roadmap.changelog"),
        absolute_url("roadmap.changelog_feed"),
        subtitle=f"What {company} has built from customers' requests.",
    )
    for item in entries:
        entry = feed.add_entry(order="append")
        if item.note is not None:
            note = item.note
            entry.id(absolute_url("roadmap.release_note", note_id=note.id))
            entry.title(note.title)
            entry.link(href=absolute_url("roadmap.release_note", note_id=note.id), rel="alternate", type="text/html")
            entry.updated(note.released_at)
            entry.published(note.released_at)
            entry.content(note.body_html, type="html")
            entry.summary(markup.first_line(note.body, limit=500))
            continue
        post = item.post
        entry.id(absolute_url("posts.show", post_id=post.id))
        entry.title(post.title)
        entry.link(href=absolute_url("posts.show", post_id=post.id, slug=post.slug), rel="alternate", type="text/html")
        entry.updated(item.moment)
        entry.published(item.moment)
        entry.category(term=post.category.slug, label=post.category.name)
        if post.id in lines:
            entry.summary(f"{company} answered: {lines[post.id]}")
        else:
            entry.summary(markup.first_line(post.body, limit=500))
    return feeds.answer(feed, entries[0].moment if entries else None)


@bp.get("/responsiveness")
def responsiveness():
    overall, by_category, by_month = insights.responsiveness(guardian())
    return render_template("roadmap/responsiveness.html", overall=overall, by_category=by_category, by_month=by_month)
