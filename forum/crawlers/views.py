import hashlib

from flask import Blueprint, Response, abort, current_app, render_template, request, send_from_directory, url_for

from forum.links import absolute_url, url_builder
from forum.services import posts

bp = Blueprint("crawlers", __name__)

# The sitemaps protocol's limit of addresses in one sitemap file.
SITEMAP_SIZE = 50_000
# Pages not worth a crawler's visit: staff and moderators' tools, a member's own pages, one-time links,
# search results (endless, thin) and feeds with a query string (the same feed again and again).
PRIVATE_PATHS = ("/staff/", "/moderation/", "/account", "/notifications", "/following", "/posts/new",
                 "/posts/*/edit", "/posts/similar", "/unsubscribe/", "/reset", "/signup/", "/search",
                 "/*.atom?")  # fmt: skip


@bp.get("/robots.txt")
def robots():
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in PRIVATE_PATHS), "",
             f"Sitemap: {absolute_url('crawlers.sitemap_index')}", ""]  # fmt: skip
    return _conditional(Response("\n".join(lines), mimetype="text/plain"))


@bp.get("/sitemap.xml")
def sitemap_index():
    """A sitemap index: the site's pages, then the posts in files of SITEMAP_SIZE addresses."""
    chunks = posts.sitemap_chunks(SITEMAP_SIZE)
    sitemaps = [(absolute_url("crawlers.sitemap_pages"), max(chunks, default=None))]
    sitemaps += [(absolute_url("crawlers.sitemap_posts", number=n + 1), moment) for n, moment in enumerate(chunks)]
    return _xml("crawlers/sitemap_index.xml", sitemaps=sitemaps)


@bp.get("/sitemap-pages.xml")
def sitemap_pages():
    newest = max(posts.sitemap_chunks(SITEMAP_SIZE), default=None)
    pages = [(absolute_url(endpoint), newest) for endpoint in
             ("posts.index", "roadmap.index", "roadmap.changelog", "roadmap.responsiveness")]  # fmt: skip
    return _xml("crawlers/sitemap.xml", pages=pages)


@bp.get("/sitemap-posts-<int:number>.xml")
def sitemap_posts(number: int):
    if not 1 <= number <= 2**31 // SITEMAP_SIZE:
        abort(404)
    found = posts.sitemap_posts(number - 1, SITEMAP_SIZE)
    if not found and number > 1:
        abort(404)
    build = url_builder()
    pages = [(build("posts.show", post_id=post_id, slug=slug), changed) for post_id, slug, changed in found]
    return _xml("crawlers/sitemap.xml", pages=pages)


@bp.get("/manifest.webmanifest")
def manifest():
    config = current_app.config
    icons = [
        {"src": _static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}", "type": "image/png"}
        for size in (192, 512)
    ]
    icons.append({"src": _static("icons/maskable-512.png"), "sizes": "512x512", "type": "image/png",
                  "purpose": "maskable"})  # fmt: skip
    icons.append({"src": _static("favicon.svg"), "sizes": "any", "type": "image/svg+xml"})
    body = {
        "name": config["SITE_NAME"],
        "short_name": config["COMPANY_NAME"],
        "description": f"Tell {config['COMPANY_NAME']} what to build and what to fix.",
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": "#3f3bb5",
        "icons": icons,
    }
    response = current_app.json.response(body)
    response.mimetype = "application/manifest+json"
    return _conditional(response)


@bp.get("/favicon.ico")
def favicon():
    """Browsers and feed readers ask for this address whatever the page links."""
    return send_from_directory(current_app.static_folder, "favicon.ico", max_age=7 * 24 * 3600)


def _static(filename: str) -> str:
    return url_for("static", filename=filename)


def _xml(template: str, **context) -> Response:
    return _conditional(Response(render_template(template, **context), mimetype="application/xml"))


def _conditional(response: Response) -> Response:
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = "public, no-cache"
    return response.make_conditional(request)
