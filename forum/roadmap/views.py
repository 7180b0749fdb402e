from flask import Blueprint, abort, current_app, render_template, request

from forum import caching, feeds, markup
from forum.extensions import reads_only
from forum.links import absolute_url
from forum.permissions import anyone, guardian
from forum.posts.filters import ListFilters
from forum.services import insights, posts, roadmap
from forum.web import whole_number

bp = Blueprint("roadmap", __name__)
FEED_SIZE = 50


@bp.get("/roadmap")
@caching.for_visitors
@reads_only
def index():
    categories = posts.categories(guardian())
    filters = ListFilters.from_args(request.args, categories, fields=("category", "kind"))
    columns, response_lines = roadmap.board(guardian(), category=filters.category, kind=filters.kind)
    return render_template(
        "roadmap/index.html", columns=columns, response_lines=response_lines, categories=categories, filters=filters
    ), 400 if filters.problems else 200


@bp.get("/changelog")
def changelog():
    raw = request.args.get("page", "1")
    page = whole_number(raw, 1, current_app.config["MAX_PAGE"])
    if page is None:
        abort(400, "Pages are numbered from 1.")
    released, has_next = roadmap.shipped(guardian(), page=page, per_page=current_app.config["POSTS_PER_PAGE"])
    lines = roadmap.latest_response_lines([p.id for p in released])
    return render_template("roadmap/changelog.html", posts=released, response_lines=lines, page=page, has_next=has_next)


@bp.get("/changelog.atom")
def changelog_feed():
    released, _ = roadmap.shipped(anyone(), page=1, per_page=FEED_SIZE)
    lines = roadmap.latest_response_lines([p.id for p in released], whole=True)
    company = current_app.config["COMPANY_NAME"]
    feed = feeds.new_feed(
        "shipped",
        absolute_url("roadmap.changelog"),
        absolute_url("roadmap.changelog_feed"),
        subtitle=f"What {company} has built from customers' requests.",
    )
    for post in released:
        entry = feed.add_entry(order="append")
        entry.id(absolute_url("posts.show", post_id=post.id))
        entry.title(post.title)
        entry.link(href=absolute_url("posts.show", post_id=post.id, slug=post.slug), rel="alternate", type="text/html")
        entry.updated(post.status_changed_at or post.created_at)
        entry.published(post.status_changed_at or post.created_at)
        entry.category(term=post.category.slug, label=post.category.name)
        if post.id in lines:
            entry.summary(f"{company} answered: {lines[post.id]}")
        else:
            entry.summary(markup.first_line(post.body, limit=500))
    return feeds.answer(feed, (released[0].status_changed_at or released[0].created_at) if released else None)


@bp.get("/responsiveness")
def responsiveness():
    overall, by_category, by_month = insights.responsiveness(guardian())
    return render_template("roadmap/responsiveness.html", overall=overall, by_category=by_category, by_month=by_month)
