from flask import Blueprint, abort, current_app, request, send_file

from forum import markup
from forum.cards import image
from forum.extensions import db
from forum.links import absolute_url
from forum.models import OfficialResponse, Post
from forum.permissions import anyone
from forum.posts.views import MAX_ID
from forum.services import responses

bp = Blueprint("cards", __name__)
# A card linked with its key never changes: a shared link's image may be kept as long as a cache likes.
KEYED_MAX_AGE = 365 * 24 * 3600


def card_of(post: Post, response: OfficialResponse | None) -> image.Card:
    config = current_app.config
    return image.Card(
        site=config["SITE_NAME"],
        company=config["COMPANY_NAME"],
        title=post.title,
        kind=str(post.kind),
        status=str(post.status),
        status_label=post.status_enum.label,
        votes=post.vote_count,
        answer=image.first_words(markup.plain_text(response.body)) if response else "",
    )


@bp.app_template_global()
def card_url(post: Post, response: OfficialResponse | None) -> str:
    """The absolute address of the post's card as it is now (its key in the address)."""
    return absolute_url("cards.card", post_id=post.id, v=card_of(post, response).key)


def has_card(post: Post) -> bool:
    """Cards are for what anyone may see: never a hidden or deleted post, nor one in a private
    category, whoever asks (a card travels beyond the site)."""
    return anyone().can_see_post(post)


bp.app_template_global("has_card")(has_card)


@bp.get("/posts/<int:post_id>/card.png")
def card(post_id: int):
    post = db.session.get(Post, post_id) if post_id <= MAX_ID else None
    if post is None or not has_card(post):
        abort(404)
    shown = card_of(post, responses.latest_response(post))
    path, _ = image.png(shown, current_app.config["CARD_DIR"], str(post.id))
    keyed = request.args.get("v") == shown.key
    response = send_file(path, mimetype="image/png", etag=shown.key, max_age=KEYED_MAX_AGE if keyed else None)
    response.cache_control.public = True
    if keyed:
        response.cache_control.immutable = True
    else:
        response.cache_control.no_cache = True  # the same address shows the next vote: ask each time
    return response.make_conditional(request)
