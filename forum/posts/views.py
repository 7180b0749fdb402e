import functools
import re

from flask import Blueprint, abort, current_app, flash, g, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError, OperationalError

from forum import caching, limits
from forum.extensions import db, reads_only
from forum.models import Comment, Kind, OfficialResponse, Post, Status, StatusChange
from forum.moderation.forms import FlagForm, NoteForm
from forum.permissions import guardian
from forum.posts.forms import CommentForm, NewPostForm, PostForm, ResponseForm, StatusForm
from forum.services import Refused, comments, merges, moderation, notify, posts, responses, votes
from forum.web import wants_json, whole_number

bp = Blueprint("posts", __name__)

MAX_ID = 2**31 - 1  # larger ids cannot exist, and PostgreSQL refuses them


def load_post(post_id: int) -> Post:
    """The post, if it exists and this viewer may see it; 404 otherwise."""
    return _visible_post(_POST, post_id)[0]


_ID = db.bindparam("post_id", type_=db.Integer)
# Built once (building and keying it anew was ~0.3 ms of each page).
_POST = db.select(Post).where(Post.id == _ID).options(db.joinedload(Post.author), db.joinedload(Post.category))
# What else a post's page shows, asked in the post's own query: most posts have no official response,
# no status change and no duplicate merged into them, and asking each table apart took three of the
# page's six queries (~2 of a worker's ~7.5 ms for a page whose rows are read again after any write,
# the mixed run's common read). Each selects only its indexed column: SQLite planned
# `EXISTS (SELECT * FROM posts AS posts_1 WHERE merged_into_id = ...)` as a scan of every post (40 ms
# at 100,000 posts: its statistics count the NULLs as one key of 100,000 rows), `SELECT posts_1.id`
# along the index, which covers it.
_DUPLICATE = db.aliased(Post)
_POST_AND_PARTS = _POST.add_columns(
    db.select(OfficialResponse.post_id).where(OfficialResponse.post_id == _ID).exists().label("answered"),
    db.select(StatusChange.post_id).where(StatusChange.post_id == _ID).exists().label("changed"),
    db.select(_DUPLICATE.id).where(_DUPLICATE.merged_into_id == _ID).exists().label("merged"),
)


def _visible_post(statement, post_id: int) -> Row:
    if post_id > MAX_ID:
        abort(404)
    row = db.session.execute(statement, {"post_id": post_id}).first()
    if row is None or not guardian().can_see_post(row[0]):
        abort(404)
    return row


def post_url(post: Post, **kwargs) -> str:
    if kwargs or not _PLAIN_SLUG.fullmatch(post.slug):
        return url_for("posts.show", post_id=post.id, slug=post.slug, **kwargs)
    head, middle, tail = _url_pattern("posts.show", post_id=_ID_STAND_IN, slug=_SLUG_STAND_IN)
    return f"{head}{post.id}{middle}{post.slug}{tail}"


bp.app_template_global("post_url")(post_url)


@bp.app_template_global()
def post_action_url(endpoint: str, post_id: int) -> str:
    """`url_for(endpoint, post_id=post_id)`, for an endpoint of a post taking nothing else."""
    head, tail = _url_pattern(endpoint, post_id=_ID_STAND_IN)
    return f"{head}{post_id}{tail}"


@bp.app_template_global()
def category_url(slug: str) -> str:
    """The list of one category's posts."""
    if not _PLAIN_SLUG.fullmatch(slug):
        return url_for("posts.index", category=slug)
    head, tail = _url_pattern("posts.index", category=_SLUG_STAND_IN)
    return f"{head}{slug}{tail}"


# A list page holds twenty post cards, each with a vote form and a category link: the parts they share
# are built once per request (five `url_for`, two macros and a CSRF token a card cost ~70 µs). The
# URLs of a card (its post, its vote and unvote forms, its category) are built once per request and
# endpoint with stand-ins, then filled in: seventy `url_for` were 10% of a page of search results.
_ID_STAND_IN = 9_081_726_354_000
_SLUG_STAND_IN = "slug-stand-in"
_PLAIN_SLUG = re.compile(r"[a-z0-9-]+")  # what slugify makes; url_for would quote nothing in it


def _url_pattern(endpoint: str, **stand_ins: object) -> tuple[str, ...]:
    """`url_for(endpoint, **stand_ins)` cut where the stand-ins are, once per request."""
    patterns = g.setdefault("url_patterns", {})
    key = (endpoint, *stand_ins)
    if key not in patterns:
        url = url_for(endpoint, **stand_ins)
        patterns[key] = tuple(re.split("|".join(re.escape(str(value)) for value in stand_ins.values()), url))
    return patterns[key]


@bp.app_template_global()
def vote_form_fields() -> Markup:
    """A vote form's hidden fields: the CSRF token, and the page to come back to after a vote
    without JavaScript (this page, when it is one to come back to); built once per request."""
    fields = g.get("vote_form_fields")
    if fields is None:
        back = request.full_path if request.method == "GET" else ""
        fields = g.vote_form_fields = Markup(
            '<input type="hidden" name="csrf_token" value="{}">\n    <input type="hidden" name="next" value="{}">'
        ).format(generate_csrf(), back)
    return fields


# -- the list ------------------------------------------------------------------
@bp.get("/")
@caching.kept_for_visitors
@reads_only
def index():
    problems: list[str] = []
    args = request.args
    sort = args.get("sort", posts.DEFAULT_SORT)
    if sort not in posts.SORTS:
        problems.append(f"“{sort[:40]}” is not a sort order; showing trending posts.")
        sort = posts.DEFAULT_SORT
    kind = enum_arg(Kind, "kind", "kind of post", problems)
    status = enum_arg(Status, "status", "status", problems)
    all_categories = posts.categories()
    category = category_arg(all_categories, problems)
    page = page_arg(problems)
    filters = posts.PostFilter(sort=sort, kind=kind, status=status, category=category)
    per_page = current_app.config["POSTS_PER_PAGE"]
    page_posts, has_next = posts.listing(guardian(), filters, page=page, per_page=per_page)
    voted = votes.has_voted(current_user, [p.id for p in page_posts])

    def render() -> str:
        return render_template(
            "posts/index.html",
            posts=page_posts,
            voted=voted,
            filters=filters,
            categories=all_categories,
            page=page,
            has_next=has_next,
            problems=problems,
            sorts=list(posts.SORTS),
        )

    html = caching.for_visitors(render, shown=(tuple(page_posts), has_next, all_categories))
    return html, 400 if problems else 200


def enum_arg(enum, name: str, label: str, problems: list[str], instead: str = "showing all"):
    """A query-string choice (kind, status...), or None with a problem noted for the page."""
    value = request.args.get(name)
    if not value:
        return None
    try:
        return enum(value)
    except ValueError:
        problems.append(f"“{value[:40]}” is not a {label}; {instead}.")
        return None


def category_arg(all_categories, problems: list[str], instead: str = "showing every category"):
    """The category named by ?category=, or None with a problem noted for the page."""
    slug = request.args.get("category")
    if not slug:
        return None
    category = next((c for c in all_categories if c.slug == slug), None)
    if category is None:
        problems.append(f"There is no category “{slug[:40]}”; {instead}.")
    return category


def page_arg(problems: list[str]) -> int:
    raw = request.args.get("page", "1")
    max_page = current_app.config["MAX_PAGE"]
    number = whole_number(raw, 1, max_page)
    if number is not None:
        return number
    problems.append(f"Pages are numbered 1 to {max_page}; showing the first page.")
    return 1


# -- one post ------------------------------------------------------------------
@bp.get("/posts/<int:post_id>")
@bp.get("/posts/<int:post_id>-<slug>")
@caching.kept_for_visitors
@reads_only
def show(post_id: int, slug: str | None = None):
    post, answered, changed, merged = _visible_post(_POST_AND_PARTS, post_id)
    if slug != post.slug:
        # Only the page's own parameters: any other key would reach url_for (`_external`, `post_id`).
        kept = {"comments": request.args["comments"]} if "comments" in request.args else {}
        return redirect(post_url(post, **kept), 301)
    return _render_post(post, parts=(answered, changed, merged))


def _render_post(post: Post, comment_form=None, response_form=None, status_form=None, status=200, parts=None):
    """`parts`: whether the post has an official response, status changes and duplicates merged into
    it (`_POST_AND_PARTS`), when the post's query asked; otherwise each is read."""
    answered, changed, merged = parts or (True, True, True)
    comment_page = whole_number(request.args.get("comments", "1"), 1, current_app.config["MAX_PAGE"]) or 1
    shown = {
        "post": post,
        "response": responses.latest_response(post) if answered else None,
        "timeline": responses.timeline(post) if changed else [],
        "comment_page": comment_page,
        "merged_here": [p for p in merges.merged_into(post) if guardian().can_see_post(p)] if merged else [],
    }
    flag_form = FlagForm(formdata=None) if guardian().can_write else None  # see Guardian.can_flag

    @functools.cache  # read at most once, for the digest and the rendering alike
    def thread() -> tuple[list, bool]:
        return comments.thread(guardian(), post, page=comment_page)

    def render_thread() -> str:
        shown_thread, more_comments = thread()
        return render_template("posts/_thread.html", post=post, thread=shown_thread, comment_page=comment_page,
                               more_comments=more_comments, flag_form=flag_form)  # fmt: skip

    staff_answers, staff_notes = guardian().can_respond(post), guardian().can_see_notes()

    def render() -> str:
        # The comments apart, kept for visitors while they are the same: a vote or a status changes the
        # page but not its comments, and rendering them (14 ms for 174 comments) was most of a busy
        # post's page, in every worker at each vote of a viral post. While the post's thread version
        # (read with the post) stands, they are not even read (two queries and their digest, ~2 ms).
        thread_digest = caching.by_version_for_visitors(
            ("thread", post.id, comment_page, post.thread_version), lambda: caching.digest(*thread())
        )
        thread_html = caching.part_for_visitors(
            render_thread, ("thread", post.id, post.slug, comment_page, thread_digest)
        )
        return render_template(
            "posts/show.html",
            **shown,
            thread_html=thread_html,
            voted=post.id in votes.has_voted(current_user, [post.id]),
            following=notify.is_following(current_user, post),
            comment_form=comment_form or CommentForm(formdata=None),
            # Staff's forms only for staff: the page shows them to no one else (~1 ms of a visitor's page).
            response_form=response_form or (ResponseForm(formdata=None) if staff_answers else None),
            status_form=status_form or (StatusForm(formdata=None, status=post.status) if staff_answers else None),
            notes=moderation.notes(post) if staff_notes else [],
            note_form=NoteForm(formdata=None) if staff_notes else None,
            flag_form=flag_form,
            categories=posts.categories() if guardian().can_moderate() else [],
        )

    if comment_form or response_form or status_form:
        return render(), status
    # The post's row holds its thread version: a page is kept with the comments it was rendered with.
    return caching.for_visitors(render, caching.digest(*shown.values())), status


# -- posting -------------------------------------------------------------------
def _passes_human_check(form) -> bool:
    problem = form.human_problem()
    if problem:
        form.form_errors.append(problem)
    return problem is None


@bp.get("/posts/new")
@login_required
def new():
    form = NewPostForm(posts.categories(), formdata=None, kind=request.args.get("kind", Kind.IDEA.value))
    form.start_clock()
    return render_template("posts/new.html", form=form)


@bp.post("/posts")
@login_required
@limits.posting
def create():
    all_categories = posts.categories()
    form = NewPostForm(all_categories)
    if not form.validate() or not _passes_human_check(form):
        return render_template("posts/new.html", form=form), 422
    category = next(c for c in all_categories if c.slug == form.category.data)
    post = posts.create_post(
        current_user, kind=Kind(form.kind.data), title=form.title.data, body=form.body.data, category=category
    )
    db.session.commit()
    if post.is_hidden:
        flash("Thanks! A moderator reviews the first posts of new members; yours will appear once approved.", "info")
    else:
        flash("Your post is published. Share it so others can vote.", "success")
    return redirect(post_url(post), 303)


@bp.route("/posts/<int:post_id>/edit", methods=["GET", "POST"])
@login_required
def edit(post_id: int):
    post = load_post(post_id)
    guardian().ensure(guardian().can_edit_post(post))
    all_categories = posts.categories()
    if request.method == "GET":
        form = PostForm(all_categories, formdata=None, obj=post, category=post.category.slug)
        return render_template("posts/edit.html", form=form, post=post)
    form = PostForm(all_categories)
    if not form.validate():
        return render_template("posts/edit.html", form=form, post=post), 422
    category = next(c for c in all_categories if c.slug == form.category.data)
    changed = posts.edit_post(
        current_user, post, title=form.title.data, body=form.body.data, category=category, kind=Kind(form.kind.data)
    )
    db.session.commit()
    flash("Your changes are saved; the earlier version is kept." if changed else "Nothing changed.", "success")
    return redirect(post_url(post), 303)


@bp.post("/posts/<int:post_id>/delete")
@login_required
def delete(post_id: int):
    post = load_post(post_id)
    posts.delete_post(current_user, post)
    db.session.commit()
    flash("The post is deleted. A moderator can restore it if this was a mistake.", "info")
    return redirect(url_for("posts.index"), 303)


# -- votes ---------------------------------------------------------------------
@bp.post("/posts/<int:post_id>/vote")
@login_required
@limits.voting
def vote(post_id: int):
    return _vote(post_id, votes.add, "Your vote is counted.")


@bp.post("/posts/<int:post_id>/unvote")
@login_required
@limits.voting
def unvote(post_id: int):
    return _vote(post_id, votes.remove, "Your vote is taken back.")


def _vote(post_id: int, action, message: str):
    post = load_post(post_id)
    try:
        action(current_user, post)
    except Refused as refusal:
        db.session.rollback()
        if wants_json():
            return jsonify({"error": refusal.description, "votes": post.vote_count}), 409
        flash(refusal.description, "error")
        return redirect(post_url(post), 303)
    count = post.vote_count  # as the vote's own UPDATE returned it: read after the commit, it took a query
    db.session.commit()
    voted = action is votes.add
    if wants_json():
        return jsonify({"votes": count, "voted": voted})
    flash(message, "success")
    return redirect(_back_to(post), 303)


def _back_to(post: Post) -> str:
    from forum.auth import safe_next

    return safe_next(request.form.get("next")) or post_url(post)


# -- discussion ----------------------------------------------------------------
@bp.post("/posts/<int:post_id>/comments")
@login_required
@limits.commenting
def comment(post_id: int):
    post = load_post(post_id)
    form = CommentForm()
    parent = None
    if form.parent_id.data:
        raw = form.parent_id.data
        parent_id = whole_number(raw, 1, MAX_ID)
        parent = db.session.get(Comment, parent_id) if parent_id is not None else None
        if parent is None or parent.post_id != post.id:
            form.body.errors = ["The comment you replied to no longer exists; your text is below."]
            return _render_post(post, comment_form=form, status=422)
    if not form.validate():
        return _render_post(post, comment_form=form, status=422)
    try:
        new_comment = comments.add_comment(current_user, post, form.body.data, parent)
    except Refused as refusal:
        form.body.errors = [f"{refusal} Your text is below."]
        return _render_post(post, comment_form=form, status=422)
    db.session.commit()
    flash("Your comment is posted.", "success")
    return redirect(post_url(post, _anchor=f"comment-{new_comment.id}"), 303)


# -- the company's answer ------------------------------------------------------
@bp.post("/posts/<int:post_id>/response")
@login_required
def respond(post_id: int):
    post = load_post(post_id)
    guardian().ensure(guardian().can_respond(post))
    form = ResponseForm()
    if not form.validate():
        return _render_post(post, response_form=form, status=422)
    try:
        responses.respond(current_user, post, form.body.data, Status(form.status.data) if form.status.data else None)
    except Refused as refusal:
        db.session.rollback()
        form.status.errors = [refusal.description]
        return _render_post(post, response_form=form, status=409)
    db.session.commit()
    flash("Your official response is published.", "success")
    return redirect(post_url(post), 303)


@bp.post("/posts/<int:post_id>/status")
@login_required
def set_status(post_id: int):
    post = load_post(post_id)
    guardian().ensure(guardian().can_change_status(post))
    form = StatusForm()
    if not form.validate():
        if wants_json():
            return jsonify({"error": " ".join(form.status.errors)}), 422
        return _render_post(post, status_form=form, status=422)
    try:
        change = responses.change_status(current_user, post, Status(form.status.data))
    except Refused as refusal:
        db.session.rollback()
        if wants_json():
            return jsonify({"error": refusal.description}), 409
        form.status.errors = [refusal.description]
        return _render_post(post, status_form=form, status=409)
    db.session.commit()
    if wants_json():
        return jsonify({"status": post.status, "label": post.status_enum.label})
    label = post.status_enum.label.lower()
    flash(f"“{post.title}” is now {label}." if change else "The status was already that.", "success")
    return redirect(_back_to(post), 303)


# -- merging duplicates ----------------------------------------------------------
@bp.post("/posts/<int:post_id>/merge")
@login_required
def merge(post_id: int):
    duplicate = load_post(post_id)
    guardian().ensure(guardian().can_merge(duplicate))
    raw = (request.form.get("into") or "").strip().lstrip("#")
    original_id = whole_number(raw, 1, MAX_ID)
    original = db.session.get(Post, original_id) if original_id is not None else None
    if original is None or not guardian().can_see_post(original):
        return _merge_refused(duplicate, "Give the number of the original post (the one to keep).", 422)
    try:
        merges.merge_posts(current_user, duplicate, original)
        db.session.commit()
    except Refused as refusal:
        db.session.rollback()
        return _merge_refused(duplicate, refusal.description, 409)
    except (IntegrityError, OperationalError):
        # A vote cast on one of the two posts at this very moment (a unique clash or a deadlock):
        # nothing was merged, and doing it again a moment later works.
        db.session.rollback()
        return _merge_refused(duplicate, "Someone voted on one of these posts at that moment, so nothing was "
                              "merged. Send the form again.", 409)  # fmt: skip
    if wants_json():
        return jsonify({"status": duplicate.status, "merged_into": original.id, "votes": original.vote_count})
    flash(f"Merged into “{original.title}”: its votes and followers moved there.", "success")
    return redirect(post_url(original), 303)


@bp.post("/posts/<int:post_id>/unmerge")
@login_required
def unmerge(post_id: int):
    duplicate = load_post(post_id)
    guardian().ensure(guardian().can_merge(duplicate))
    try:
        merges.unmerge(current_user, duplicate)
    except Refused as refusal:
        db.session.rollback()
        return _merge_refused(duplicate, refusal.description, 409)
    db.session.commit()
    if wants_json():
        return jsonify({"status": duplicate.status, "votes": duplicate.vote_count})
    flash("The merge is undone: votes and followers are back.", "success")
    return redirect(post_url(duplicate), 303)


def _merge_refused(post: Post, message: str, status: int):
    if wants_json():
        return jsonify({"error": message}), status
    flash(message, "error")
    return _render_post(post, status=status)
