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
    text = args.get("q", "")
    found = search.search(
        guardian(),
        search.SearchRequest(text=text, kind=kind, status=status, category=category, page=page),
    )
    voted = votes.has_voted(current_user, [hit.post.id for hit in found.hits])

    def render() -> str:
        return render_template(
            "search/results.html",
            results=found,
            q=found.query.text,
            kind=kind,
            status=status,
            category=category,
            categories=all_categories,
            problems=problems,
            voted=voted,
        )

    shown = caching.digest(
        [hit.post for hit in found.hits],
        [(hit.title, hit.snippet, hit.found_in) for hit in found.hits],
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
