"""GET /search (results page) and GET /posts/similar (suggestions while typing a title)."""

from flask import Blueprint, jsonify, render_template, request
from flask_login import current_user

from forum import caching, search
from forum.extensions import reads_only
from forum.models import Kind, Status
from forum.permissions import guardian
from forum.posts.views import category_arg, enum_arg, page_arg
from forum.services import posts, similar, votes

bp = Blueprint("search", __name__)


@bp.get("/search")
@caching.kept_for_visitors
@reads_only
def results():
    args = request.args
    problems: list[str] = []
    kind = enum_arg(Kind, "kind", "kind of post", problems, instead="searching all")
    status = enum_arg(Status, "status", "status", problems, instead="searching all")
    all_categories = posts.categories()
    category = category_arg(all_categories, problems, instead="searching every category")
    page = page_arg(problems)
    viewer = guardian()
    filters = search.Filters(
        kind=kind.value if kind else None,
        status=status.value if status else None,
        category_id=category.id if category else None,
        public_only=not viewer.is_moderator,
    )
    found = search.search(args.get("q", ""), filters, page=page)
    cards = posts.cards_by_id(viewer, [hit.post_id for hit in found.hits])
    hits = [(cards[hit.post_id], hit) for hit in found.hits if hit.post_id in cards]
    voted = votes.has_voted(current_user, list(cards))

    def render() -> str:
        return render_template(
            "search/results.html",
            results=found,
            hits=hits,
            q=found.query.text,
            kind=kind,
            status=status,
            category=category,
            categories=all_categories,
            problems=problems,
            voted=voted,
        )

    shown = caching.digest(
        [card for card, _ in hits],
        [(hit.title, hit.snippet, hit.found_in) for _, hit in hits],
        [int(found.total), found.total.capped, found.page, found.has_next],
        list(found.query.notes),
        all_categories,
    )
    return caching.for_visitors(render, shown), 400 if problems else 200


@bp.get("/posts/similar")
def similar_posts():
    from forum.posts.views import post_url

    title = search.query.clean(request.args.get("title", ""))
    found = similar.similar_posts(title) if len(title.strip()) >= 3 else []
    return jsonify(
        [
            {"id": p.id, "title": p.title, "url": post_url(p), "status": str(p.status), "votes": p.vote_count}
            for p in found
        ]
    )
