"""The API's routes. Each loads, asks the Guardian through the service it calls, commits once and
answers a pydantic model; spectree checks what comes in against the same models and builds the
OpenAPI document (`GET /api/v1/openapi.json`, read as a page at `/api/docs`)."""

import base64
import binascii
import json
from datetime import datetime

from flask import Blueprint, current_app, g, jsonify, render_template, request
from pydantic import BaseModel, ValidationError
from spectree import Response, SecurityScheme, SecuritySchemeData, SpecTree
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload

from forum import markup, search
from forum.api import ERROR_CODES
from forum.api import schemas as s
from forum.api.auth import ApiError, rate_limit, rate_limit_key, requires, start_request
from forum.extensions import csrf, db, limiter
from forum.links import absolute_url
from forum.models import (
    Comment,
    Company,
    CompanyMember,
    Kind,
    OfficialResponse,
    Post,
    PostTag,
    Priority,
    Scope,
    User,
    statuses,
    tags,
)
from forum.models.taxonomy import DUPLICATE_SLUG
from forum.permissions import Guardian, team_badge
from forum.services import Refused, accounts, comments, companies, merges, posts, responses, roadmap, sign_in, votes
from forum.services import tags as tag_service

bp = Blueprint("api", __name__, url_prefix="/api/v1")
docs_bp = Blueprint("api_docs", __name__)
csrf.exempt(bp)
bp.before_request(start_request)


@bp.after_request
def _not_stored(response):
    """An answer is for the key that asked: no cache along the way keeps it."""
    if request.endpoint != "api.openapi":
        response.headers["Cache-Control"] = "no-store"
    return response


limiter.limit(rate_limit, key_func=rate_limit_key)(bp)


def _validation_failed(req, resp, error, instance, model_adapter) -> None:
    """spectree's hook before a view: a request its models refuse answers a 422 in the API's shape
    (a body that is not JSON at all, a 400)."""
    if req.content_length and req.is_json and req.get_json(silent=True) is None:
        raise ApiError(400, "bad_request", "The body is not valid JSON.")
    if error is None:
        return
    problems = []
    for item in model_adapter.validation_errors(error)[:5]:
        where = ".".join(str(part) for part in item.get("loc", ()) if part != "__root__")
        problems.append(f"{where}: {item.get('msg', 'not valid')}" if where else item.get("msg", "not valid"))
    raise ApiError(422, "invalid_request", "; ".join(problems) or "The request is not valid.")


spec = SpecTree(
    "flask",
    mode="strict",
    annotations=False,
    title="Tallybook feedback API",
    version="1",
    description="Read and write the feedback forum: posts, comments, votes and tags; the staff's statuses, "
    "official answers, merges and votes on behalf; the admins' members and companies, by the company's own "
    "ids. Send a key as `Authorization: Bearer <key>`; each route names "
    'the scope its key needs. Errors are `{"error": {"code", "message"}}`.',
    security_schemes=[
        SecurityScheme(
            name="bearer",
            data=SecuritySchemeData(type="http", scheme="bearer", description="An API key made under /admin/api-keys."),
        )
    ],
    security={"bearer": []},
    before=_validation_failed,
    validation_error_model=s.ErrorBody,
    validation_error_status=422,
    # Components named after the models alone (each name is used once in schemas.py), not spectree's
    # default `Parent.<hash>.Child`.
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
)

# What any route may answer besides its success: bad input, no key, a key without the scope, rate limit.
_ERRORS = {f"HTTP_{code}": s.ErrorBody for code in (400, 401, 403, 429)}
_ON_A_POST = {**_ERRORS, "HTTP_404": s.ErrorBody, "HTTP_409": s.ErrorBody}


def _answers(ok_code: int, model, **more) -> Response:
    return Response(**{f"HTTP_{ok_code}": model, **more})


# -- shared pieces ------------------------------------------------------------------------
def _viewer() -> Guardian:
    if "guardian" not in g:
        g.guardian = Guardian(g._login_user)
    return g.guardian


def _body(model: type[BaseModel]):
    """The request's JSON body, as spectree validated it; 400 when there is no JSON object."""
    if not request.is_json or not isinstance(request.get_json(silent=True), dict):
        raise ApiError(400, "bad_request", "Send a JSON object with `Content-Type: application/json`.")
    if request.context.json is None:  # spectree reads no body of a DELETE: checked here with the same model
        try:
            return model.model_validate(request.get_json())
        except ValidationError as error:
            _validation_failed(request, None, error, None, spec.backend.model_adapter)  # raises the 422
    return request.context.json


def _encode_cursor(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str | None, kind: str) -> dict | None:
    if not cursor:
        return None
    try:
        value = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        value = None
    if not isinstance(value, dict) or value.get("k") != kind:
        raise ApiError(422, "invalid_cursor", "This cursor is not one this list gave; start again without it.")
    return value


def _load_post(post_id: int, *, follow_merge: bool = True) -> Post:
    """The post, if the key's person may see it; a duplicate merged into another is answered as its
    original (`follow_merge`). 404 for anything else, without saying whether it exists."""
    post = _visible(post_id)
    if follow_merge and post.merged_into_id is not None:
        post = _visible(post.merged_into_id)
    return post


def _visible(post_id: int) -> Post:
    post = None
    if 1 <= post_id <= s.MAX_ID:
        post = db.session.scalars(
            select(Post).where(Post.id == post_id).options(joinedload(Post.author), joinedload(Post.category))
        ).first()
    if post is None or not _viewer().can_see_post(post):
        raise ApiError(404, "not_found", "There is no such post, or this key may not see it.")
    return post


def _author(name: str, role: str | None) -> s.Author:
    return s.Author(display_name=name, badge=team_badge(role))


def _summary(card) -> s.PostSummary:
    """From a post or a `posts.Card` (both have these attributes)."""
    author = card.author
    return s.PostSummary(
        id=card.id,
        title=card.title,
        kind=str(card.kind),
        status=str(card.status),
        category=s.CategoryRef(slug=card.category.slug, name=card.category.name),
        author=_author(author.display_name, author.role),
        votes=card.vote_count,
        comments=card.comment_count,
        created_at=card.created_at,
        url=absolute_url("posts.show", post_id=card.id, slug=card.slug),
    )


def _detail(post: Post) -> s.PostDetail:
    answers = sorted(
        db.session.scalars(
            select(OfficialResponse)
            .where(OfficialResponse.post_id == post.id)
            .options(joinedload(OfficialResponse.author))
        ),
        key=lambda answer: (answer.created_at, answer.id),
        reverse=True,
    )
    return s.PostDetail(
        **_summary(post).model_dump(),
        tags=[_tag(tag) for tag in tag_service.of_post(post)],
        body=post.body,
        body_html=post.body_html,
        locked=post.is_locked,
        first_response_at=post.first_response_at,
        official_responses=[
            s.OfficialAnswer(
                id=a.id,
                body=a.body,
                body_html=a.body_html,
                created_at=a.created_at,
                edited_at=a.edited_at,
                author=_author(a.author.display_name, a.author.role),
            )
            for a in answers
        ],
        timeline=[
            s.TimelineEntry(
                from_status=str(c.from_status),
                to_status=str(c.to_status),
                note=c.note,
                response_id=c.response_id,
                created_at=c.created_at,
                actor=_author(c.actor.display_name, c.actor.role),
            )
            for c in responses.timeline(post)
        ],
        merged_from=[p.id for p in merges.merged_into(post) if _viewer().can_see_post(p)],
    )


def _tag(tag) -> s.TagOut:
    return s.TagOut(name=tag.name, slug=tag.slug, color=tag.color)


def _refused(refusal: Refused):
    db.session.rollback()
    return ApiError(409, "conflict", refusal.description)


def _status(value: str, *, to_give: bool = False) -> str:
    """A status's slug, one of the statuses the admins keep (custom ones too); `to_give`: one a post
    may be moved to now (not archived, not `duplicate`)."""
    # `duplicate` reaches the service, which answers why not (merge instead) with a 409.
    known = [x.slug for x in statuses().current] + [DUPLICATE_SLUG] if to_give else statuses().by_slug
    if value not in known:
        raise ApiError(422, "invalid_request", f"“{value[:40]}” is not a status a post may be given."
                       if to_give else f"“{value[:40]}” is not a status.")  # fmt: skip
    return value


# -- posts --------------------------------------------------------------------------------
@bp.get("/posts")
@requires(Scope.READ)
@spec.validate(query=s.PostQuery, resp=_answers(200, s.PostPage, **_ERRORS), tags=["posts"])
def list_posts():
    """List posts

    The posts the key's person may see, newest first unless `sort` says otherwise. Follow
    `next_cursor` to walk every post: posts added meanwhile never shift a page. Duplicates merged
    into an original are left out (read the original)."""
    query: s.PostQuery = request.context.query
    category = None
    if query.category:
        category = next((c for c in posts.categories(_viewer()) if c.slug == query.category), None)
        if category is None:
            raise ApiError(422, "invalid_request", f"There is no category “{query.category[:40]}”.")
    status = _status(query.status) if query.status else None
    kind = Kind(query.kind) if query.kind else None
    tag = None
    if query.tag:
        tag = tags().by_slug.get(query.tag)
        if tag is None:
            raise ApiError(422, "invalid_request", f"There is no tag “{query.tag[:40]}”.")
    if query.q is not None and query.q.strip():
        return _search(query, kind, status, category, tag)
    cursor = _decode_cursor(query.cursor, f"posts:{query.sort}")
    after = None
    if cursor is not None:
        value = cursor.get("v")
        if query.sort in ("new", "active"):
            value = _moment(value)
        elif not isinstance(value, int | float) or isinstance(value, bool):
            value = None
        if value is None or not isinstance(cursor.get("id"), int):
            raise ApiError(422, "invalid_cursor", "This cursor is not one this list gave; start again without it.")
        after = (value, cursor["id"])
    filters = posts.PostFilter(sort=query.sort, kind=kind, status=status, category=category, tag=tag,
                               include_closed=True)  # fmt: skip
    found, last = posts.page_after(_viewer(), filters, after, query.limit)
    next_cursor = None
    if last is not None:
        value = last[0].isoformat() if isinstance(last[0], datetime) else last[0]
        next_cursor = _encode_cursor({"k": f"posts:{query.sort}", "v": value, "id": last[1]})
    return s.PostPage(data=[_summary(card) for card in found], next_cursor=next_cursor)


def _moment(value) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def _search(query: s.PostQuery, kind, status, category, tag):
    cursor = _decode_cursor(query.cursor, "search")
    page = cursor.get("page") if cursor else 1
    if not isinstance(page, int) or not 1 <= page <= current_app.config["MAX_PAGE"]:
        raise ApiError(422, "invalid_cursor", "This cursor is not one this list gave; start again without it.")
    viewer = _viewer()
    found = search.search(
        query.q,
        search.Filters(
            kind=kind.value if kind else None,
            status=status,
            category_id=category.id if category else None,
            public_only=not viewer.is_moderator,
        ),
        page=page,
        per_page=query.limit,
    )
    # The index can lag the database: every hit is read again, as this person may see it.
    cards = posts.cards_by_id(viewer, [hit.post_id for hit in found.hits])
    # Duplicates live on as their original, which the search finds too: left out, as in the list.
    merged = set(db.session.scalars(select(Post.id).where(Post.id.in_(list(cards)), Post.merged_into_id.is_not(None))))
    if tag is not None:  # the index knows no tags: a page may come out shorter, the cursor still walks on
        tagged = set(db.session.scalars(select(PostTag.post_id).where(PostTag.post_id.in_(list(cards)),
                                                                      PostTag.tag_id == tag.id)))  # fmt: skip
        merged |= set(cards) - tagged
    data = [_summary(cards[hit.post_id]) for hit in found.hits if hit.post_id in cards and hit.post_id not in merged]
    more = found.has_next and page < current_app.config["MAX_PAGE"]
    return s.PostPage(data=data, next_cursor=_encode_cursor({"k": "search", "page": page + 1}) if more else None)


@bp.get("/posts/<int:post_id>")
@requires(Scope.READ)
@spec.validate(resp=_answers(200, s.PostDetail, **_ERRORS, HTTP_404=s.ErrorBody), tags=["posts"])
def get_post(post_id: int):
    """Read a post

    With its official answers and status timeline. A duplicate merged into another post is
    answered as its original (whose `id` differs)."""
    return _detail(_load_post(post_id))


@bp.post("/posts")
@requires(Scope.WRITE)
@spec.validate(json=s.NewPost, resp=_answers(201, s.PostDetail, **_ON_A_POST), tags=["posts"])
def create_post():
    """Create a post

    As the key's person, who votes for it from the start."""
    new: s.NewPost = _body(s.NewPost)
    category = next((c for c in posts.categories(_viewer()) if c.slug == new.category), None)
    if category is None:
        raise ApiError(422, "invalid_request", f"There is no category “{new.category[:40]}”.")
    person = g._login_user
    viewer = _viewer()
    if not viewer.can_post():
        raise ApiError(403, "forbidden", "This key's account may not post (suspended?).")
    post = posts.create_post(person, kind=Kind(new.kind), title=new.title, body=new.body, category=category)
    db.session.commit()
    post = _visible(post.id)
    return _detail(post), 201, {"Location": absolute_url("api.get_post", post_id=post.id)}


# -- comments -----------------------------------------------------------------------------
@bp.get("/posts/<int:post_id>/comments")
@requires(Scope.READ)
@spec.validate(query=s.CommentQuery, resp=_answers(200, s.CommentPage, **_ERRORS, HTTP_404=s.ErrorBody),
               tags=["comments"])  # fmt: skip
def list_comments(post_id: int):
    """List a post's comments

    Oldest first, each reply after the comment it answers, as the post's page shows them."""
    query: s.CommentQuery = request.context.query
    post = _load_post(post_id)
    cursor = _decode_cursor(query.cursor, f"comments:{post.id}:{query.limit}")
    page = cursor.get("page") if cursor else 1
    if not isinstance(page, int) or not 1 <= page <= 100_000:
        raise ApiError(422, "invalid_cursor", "This cursor is not one this list gave; start again without it.")
    thread, more = comments.thread(_viewer(), post, page=page, per_page=query.limit)
    data = []
    for top, replies in thread:
        for item in (top, *replies):
            data.append(
                s.CommentOut(id=item.id, post_id=item.post_id, parent_id=item.parent_id, body_html=item.body_html,
                             author=_author(item.author.display_name, item.author.role),
                             created_at=item.created_at, updated_at=item.updated_at)
            )  # fmt: skip
    following = _encode_cursor({"k": f"comments:{post.id}:{query.limit}", "page": page + 1}) if more else None
    return s.CommentPage(data=data, next_cursor=following)


@bp.post("/posts/<int:post_id>/comments")
@requires(Scope.WRITE)
@spec.validate(json=s.NewComment, resp=_answers(201, s.CommentOut, **_ON_A_POST, HTTP_422=s.ErrorBody),
               tags=["comments"])  # fmt: skip
def create_comment(post_id: int):
    """Comment on a post

    As the key's person; `parent_id` makes it a reply."""
    new: s.NewComment = _body(s.NewComment)
    post = _load_post(post_id)
    viewer = _viewer()
    if not viewer.can_comment(post):
        raise ApiError(403, "forbidden", "This key's account may not comment here (locked post, suspended?).")
    parent = None
    if new.parent_id is not None:
        parent = db.session.get(Comment, new.parent_id)
        if parent is None or parent.post_id != post.id or not viewer.can_see_comment(parent):
            raise ApiError(422, "invalid_request", "parent_id: no such comment on this post.")
    try:
        comment = comments.add_comment(g._login_user, post, new.body, parent)
    except Refused as refusal:
        raise _refused(refusal) from None
    db.session.commit()
    person = g._login_user
    return s.CommentOut(id=comment.id, post_id=comment.post_id, parent_id=comment.parent_id,
                        body_html=comment.body_html, author=_author(person.display_name, person.role),
                        created_at=comment.created_at, updated_at=comment.updated_at), 201  # fmt: skip


# -- votes --------------------------------------------------------------------------------
@bp.post("/posts/<int:post_id>/votes")
@requires(Scope.WRITE)
@spec.validate(resp=_answers(200, s.VoteResult, **_ON_A_POST), tags=["votes"])
def add_vote(post_id: int):
    """Vote for a post

    For the key's person; voting again changes nothing (idempotent)."""
    return _vote(post_id, votes.add, True)


@bp.delete("/posts/<int:post_id>/votes")
@requires(Scope.WRITE)
@spec.validate(resp=_answers(200, s.VoteResult, **_ON_A_POST), tags=["votes"])
def remove_vote(post_id: int):
    """Take a vote back

    For the key's person; idempotent."""
    return _vote(post_id, votes.remove, False)


def _vote(post_id: int, action, voted: bool):
    post = _load_post(post_id)
    if not _viewer().can_vote(post):
        raise ApiError(403, "forbidden", "This key's account may not vote on this post (locked, suspended?).")
    try:
        action(g._login_user, post)
    except Refused as refusal:
        raise _refused(refusal) from None
    count = post.vote_count
    db.session.commit()
    return s.VoteResult(votes=count, voted=voted)


@bp.post("/posts/<int:post_id>/votes/on-behalf")
@requires(Scope.STAFF)
@spec.validate(json=s.OnBehalfIn, resp=_answers(200, s.OnBehalfResult, **_ON_A_POST, HTTP_422=s.ErrorBody),
               tags=["votes"])  # fmt: skip
def vote_on_behalf(post_id: int):
    """Record a vote on someone's behalf

    A request heard elsewhere (a call, a ticket) as the person's vote, with a priority and a note
    only staff see, through the same service as the post's page: still one vote per person, and the
    person is told and may take it back."""
    asked: s.OnBehalfIn = _body(s.OnBehalfIn)
    post = _load_post(post_id)
    if not _viewer().can_vote_on_behalf(post):
        raise ApiError(403, "forbidden", "This key's account may not record votes for others (or the post is locked).")
    email = _person(asked).email if asked.user_id is not None else _address(asked.email)
    try:
        recorded = votes.record_on_behalf(g._login_user, post, email, priority=Priority(asked.priority),
                                          note=asked.note or "")  # fmt: skip
    except Refused as refusal:
        raise _refused(refusal) from None
    count = post.vote_count
    db.session.commit()
    return s.OnBehalfResult(votes=count, user_id=recorded.person.id, changed=recorded.added,
                            new_account=recorded.new_account)  # fmt: skip


@bp.delete("/posts/<int:post_id>/votes/on-behalf")
@requires(Scope.STAFF)
@spec.validate(json=s.OnBehalfWho, resp=_answers(200, s.OnBehalfResult, **_ON_A_POST, HTTP_422=s.ErrorBody),
               tags=["votes"])  # fmt: skip
def remove_vote_on_behalf(post_id: int):
    """Take back a vote recorded on someone's behalf

    A vote the person cast themselves stays (409): only they take it back."""
    who: s.OnBehalfWho = _body(s.OnBehalfWho)
    post = _load_post(post_id)
    if not _viewer().can_vote_on_behalf(post):
        raise ApiError(403, "forbidden", "This key's account may not record votes for others (or the post is locked).")
    person = _person(who)
    try:
        removed = votes.remove_on_behalf(g._login_user, post, person)
    except Refused as refusal:
        raise _refused(refusal) from None
    count = post.vote_count
    db.session.commit()
    return s.OnBehalfResult(votes=count, user_id=person.id, changed=removed)


def _address(email: str | None) -> str:
    from email_validator import EmailNotValidError, validate_email

    if not email:
        raise ApiError(422, "invalid_request", "Give the person's `user_id` or `email`.")
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise ApiError(422, "invalid_request", f"email: “{email[:60]}” is not an email address.") from None


def _person(who) -> User:
    """The person a staff action names by `user_id` or `email` (422 when neither, or nobody)."""
    if (who.user_id is None) == (who.email is None):
        raise ApiError(422, "invalid_request", "Give the person's `user_id` or `email`, one of them.")
    person = (db.session.get(User, who.user_id) if who.user_id is not None
              else accounts.find_by_email(_address(who.email)))  # fmt: skip
    if person is None or person.deleted_at is not None:
        raise ApiError(422, "invalid_request", "There is nobody with that id or address here.")
    return person


# -- staff --------------------------------------------------------------------------------
@bp.post("/posts/<int:post_id>/status")
@requires(Scope.STAFF)
@spec.validate(json=s.StatusChangeIn, resp=_answers(200, s.PostDetail, **_ON_A_POST), tags=["staff"])
def change_status(post_id: int):
    """Change a post's status

    With an optional public note for its timeline; followers are told, as from the site."""
    change: s.StatusChangeIn = _body(s.StatusChangeIn)
    post = _load_post(post_id, follow_merge=False)
    if not _viewer().can_change_status(post):
        raise ApiError(403, "forbidden", "This key's account may not change statuses.")
    try:
        responses.change_status(g._login_user, post, _status(change.status, to_give=True), change.note or "")
    except Refused as refusal:
        raise _refused(refusal) from None
    db.session.commit()
    return _detail(_visible(post.id))


@bp.post("/posts/<int:post_id>/response")
@requires(Scope.STAFF)
@spec.validate(json=s.ResponseIn, resp=_answers(201, s.PostDetail, **_ON_A_POST), tags=["staff"])
def respond(post_id: int):
    """Answer a post officially

    Published on top of the post with the company's badge, optionally moving its status in the
    same step; followers are told."""
    answer: s.ResponseIn = _body(s.ResponseIn)
    post = _load_post(post_id, follow_merge=False)
    if not _viewer().can_respond(post):
        raise ApiError(403, "forbidden", "This key's account may not answer officially.")
    status = _status(answer.status, to_give=True) if answer.status else None
    try:
        responses.respond(g._login_user, post, answer.body, status)
    except Refused as refusal:
        raise _refused(refusal) from None
    db.session.commit()
    return _detail(_visible(post.id)), 201


@bp.post("/posts/<int:post_id>/merge")
@requires(Scope.STAFF)
@spec.validate(json=s.MergeIn, resp=_answers(200, s.MergeResult, **_ON_A_POST), tags=["staff"])
def merge(post_id: int):
    """Merge a duplicate into its original

    The duplicate's votes and followers move to the original (nobody counted twice)."""
    into: s.MergeIn = _body(s.MergeIn)
    duplicate = _load_post(post_id, follow_merge=False)
    original = _load_post(into.into, follow_merge=False)
    if not (_viewer().can_merge(duplicate) and _viewer().can_merge(original)):
        raise ApiError(403, "forbidden", "This key's account may not merge posts.")
    try:
        merges.merge_posts(g._login_user, duplicate, original)
        db.session.commit()
    except Refused as refusal:
        raise _refused(refusal) from None
    except (IntegrityError, OperationalError):
        # A vote cast on one of the two posts at this very moment: nothing was merged.
        db.session.rollback()
        raise ApiError(409, "conflict", "Someone voted on one of these posts at that moment; try again.") from None
    return s.MergeResult(duplicate=_summary(_visible(duplicate.id)), original=_summary(_visible(original.id)))


@bp.put("/posts/<int:post_id>/tags")
@requires(Scope.STAFF)
@spec.validate(json=s.TagsIn, resp=_answers(200, s.PostDetail, **_ON_A_POST, HTTP_422=s.ErrorBody), tags=["staff"])
def set_tags(post_id: int):
    """Tag a post

    Gives the post exactly these tags, as the post's page does; new names become new tags."""
    given: s.TagsIn = _body(s.TagsIn)
    post = _load_post(post_id, follow_merge=False)
    if not _viewer().can_tag(post):
        raise ApiError(403, "forbidden", "This key's account may not tag posts.")
    try:
        names = tag_service.parse(",".join(name.replace(",", " ") for name in given.tags))
        tag_service.set_tags(g._login_user, post, names)
    except Refused as refusal:
        db.session.rollback()
        raise ApiError(422, "invalid_request", refusal.description) from None
    db.session.commit()
    return _detail(_visible(post.id))


@bp.get("/tags")
@requires(Scope.READ)
@spec.validate(resp=_answers(200, s.TagList, **_ERRORS), tags=["posts"])
def list_tags():
    """List tags

    Every tag staff have given, by name; `slug` is what the posts list's `tag` filter takes."""
    return s.TagList(data=[_tag(tag) for tag in tags().all])


@bp.get("/categories")
@requires(Scope.STAFF)
@spec.validate(resp=_answers(200, s.CategoryList, **_ERRORS), tags=["staff"])
def list_categories():
    """List categories"""
    return s.CategoryList(
        data=[s.CategoryOut(slug=c.slug, name=c.name, description=c.description) for c in posts.categories(_viewer())]
    )


@bp.get("/statuses")
@requires(Scope.STAFF)
@spec.validate(resp=_answers(200, s.StatusList, **_ERRORS), tags=["staff"])
def list_statuses():
    """List statuses"""
    return s.StatusList(
        data=[s.StatusOut(slug=x.slug, label=x.label, kind=str(x.kind), color=x.color, closed=x.is_closed)
              for x in statuses().current]
    )  # fmt: skip


@bp.get("/changelog")
@requires(Scope.STAFF)
@spec.validate(query=s.ChangelogQuery, resp=_answers(200, s.ChangelogPage, **_ERRORS), tags=["staff"])
def changelog():
    """List what shipped

    Done posts, newest release first, as the public changelog shows them."""
    query: s.ChangelogQuery = request.context.query
    cursor = _decode_cursor(query.cursor, f"changelog:{query.limit}")
    page = cursor.get("page") if cursor else 1
    if not isinstance(page, int) or not 1 <= page <= current_app.config["MAX_PAGE"]:
        raise ApiError(422, "invalid_cursor", "This cursor is not one this list gave; start again without it.")
    shipped, more = roadmap.shipped(_viewer(), page=page, per_page=query.limit)
    data = [
        s.ChangelogEntry(id=p.id, title=p.title, kind=str(p.kind), shipped_at=p.status_changed_at,
                         category=s.CategoryRef(slug=p.category.slug, name=p.category.name),
                         url=absolute_url("posts.show", post_id=p.id, slug=p.slug))
        for p in shipped
    ]  # fmt: skip
    following = _encode_cursor({"k": f"changelog:{query.limit}", "page": page + 1}) if more else None
    return s.ChangelogPage(data=data, next_cursor=following)


# -- admin --------------------------------------------------------------------------------
EXTERNAL_ID_MAX = 200


def _external_id(value: str) -> str:
    if not value or len(value) > EXTERNAL_ID_MAX or markup.one_line(value) != value:
        raise ApiError(422, "invalid_request",
                       f"The external id must be 1 to {EXTERNAL_ID_MAX} characters on one line, without control "
                       "characters.")  # fmt: skip
    return value


@bp.put("/users/<external_id>")
@requires(Scope.ADMIN)
@spec.validate(json=s.UserIn, resp=_answers(200, s.UserOut, **_ERRORS, HTTP_409=s.ErrorBody, HTTP_422=s.ErrorBody),
               tags=["admin"])  # fmt: skip
def upsert_user(external_id: str):
    """Create or update a member

    The member the company's app knows by `external_id` (the sign-in token's `sub`): the same
    account the token hand-off signs in. Team accounts are not changed this way."""
    given: s.UserIn = _body(s.UserIn)
    external_id = _external_id(external_id)
    company_ids = None if given.companies is None else [_external_id(c) for c in given.companies]
    try:
        user, created = sign_in.upsert_member(g._login_user, external_id, given.email, given.name or "",
                                              company_ids)  # fmt: skip
    except sign_in.SignInRefused as refusal:
        db.session.rollback()
        status = refusal.status if refusal.status in (403, 409, 422) else 422
        raise ApiError(status, ERROR_CODES[status], str(refusal)) from None
    db.session.commit()
    held = db.session.scalars(
        select(Company.external_id).join(CompanyMember, CompanyMember.company_id == Company.id)
        .where(CompanyMember.user_id == user.id).order_by(Company.external_id)
    )  # fmt: skip
    return s.UserOut(id=user.id, external_id=external_id, email=user.email, name=user.display_name,
                     companies=list(held), created=created)  # fmt: skip


@bp.put("/companies/<external_id>")
@requires(Scope.ADMIN)
@spec.validate(json=s.CompanyIn, resp=_answers(200, s.CompanyOut, **_ERRORS, HTTP_422=s.ErrorBody), tags=["admin"])
def upsert_company(external_id: str):
    """Create or update a company

    By the company's own id for it (as the sign-in token's `company.id` and the CSV import name it).
    A field left out keeps what is recorded; `attributes` are merged in."""
    given: s.CompanyIn = _body(s.CompanyIn)
    try:
        facts = companies.facts_from_api(
            _external_id(external_id),
            name=given.name,
            plan=given.plan,
            monthly_revenue=given.monthly_revenue,
            attributes=given.attributes,
        )
    except ValueError as problem:
        raise ApiError(422, "invalid_request", str(problem)[:200]) from None
    company, created = companies.upsert(g._login_user, facts)
    db.session.commit()
    return s.CompanyOut(
        id=company.id, external_id=company.external_id, name=company.name, plan=company.plan,
        monthly_revenue=None if company.monthly_revenue is None else str(company.monthly_revenue),
        attributes={str(k): str(v) for k, v in (company.attributes or {}).items()}, created=created,
    )  # fmt: skip


# -- the document -------------------------------------------------------------------------
def openapi_document() -> dict:
    """spectree's document, with the scope each operation needs (`x-scope`, and in its
    description) read from the `requires` decorators, and the views' names as operation ids:
    made once per process."""
    document = current_app.extensions.get("api_openapi")
    if document is None:
        document = json.loads(json.dumps(spec.spec))
        for rule in current_app.url_map.iter_rules():
            if not rule.endpoint.startswith("api."):
                continue
            scope = getattr(current_app.view_functions[rule.endpoint], "api_scope", None)
            path = spec.backend.parse_path(rule, None)[0]
            for method, operation in document["paths"].get(path, {}).items():
                if method.upper() in rule.methods:
                    # The view's name (`list_posts`): what client generators name their methods after.
                    operation["operationId"] = rule.endpoint.removeprefix("api.")
                if scope is not None and method.upper() in rule.methods:
                    operation["x-scope"] = scope.value
                    operation["description"] = f"Scope: `{scope.value}`. " + operation.get("description", "")
        current_app.extensions["api_openapi"] = document
    return document


@bp.get("/openapi.json")
@limiter.exempt
def openapi():
    """The OpenAPI 3.1 document, generated from the routes above; readable without a key."""
    return jsonify(openapi_document())


@docs_bp.get("/api/docs")
def docs():
    """The reference as a page rendered here from the same document: no script, so it works under
    the site's Content Security Policy as it is."""
    document = openapi_document()
    operations = [
        (path, method.upper(), operation)
        for path, methods in document["paths"].items()
        for method, operation in methods.items()
    ]
    return render_template("api/docs.html", document=document, operations=operations,
                           schemas=document["components"]["schemas"], type_of=schema_type,
                           markdown=markup.render)  # fmt: skip


def schema_type(schema: dict) -> str:
    """A JSON Schema's type in a few words, for the reference page."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(schema_type(part) for part in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(json.dumps(value) for value in schema["enum"])
    if "const" in schema:
        return json.dumps(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"list of {schema_type(schema.get('items', {}))}"
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return str(kind)


def error_body(status: int, code: str, message: str, headers: dict | None = None):
    response = jsonify({"error": {"code": code, "message": message}})
    response.status_code = status
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response
