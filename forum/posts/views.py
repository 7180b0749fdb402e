from flask import Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError, OperationalError

from forum import caching, limits, markup, search
from forum.extensions import db, reads_only
from forum.models import Comment, Kind, OfficialResponse, Post, PostTag, Priority, StatusChange, User, tags
from forum.moderation.forms import FlagForm, NoteForm
from forum.permissions import guardian
from forum.posts.filters import ListFilters
from forum.posts.forms import (
    CommentEditForm,
    CommentForm,
    NewPostForm,
    OnBehalfForm,
    PostForm,
    ResponseEditForm,
    ResponseForm,
    StatusForm,
)
from forum.services import Refused, affiliations, comments, demand, merges, moderation, notify, posts, responses, votes
from forum.services import similar as similar_posts
from forum.services import tags as tag_service
from forum.web import wants_json, whole_number

bp = Blueprint("posts", __name__)

MAX_ID = 2**31 - 1  # larger ids cannot exist, and PostgreSQL refuses them
SEARCH_FIELDS = ("kind", "status", "category", "page")


def load_post(post_id: int) -> Post:
    """The post, if it exists and this viewer may see it; 404 otherwise."""
    return _visible_post(_POST, post_id)[0]


_ID = db.bindparam("post_id", type_=db.Integer)
_POST = db.select(Post).where(Post.id == _ID).options(db.joinedload(Post.author), db.joinedload(Post.category))
# What else a post's page shows, asked in the post's own query: most posts have no official response,
# no status change and no duplicate merged into them, and asking each table apart took three of the
# page's queries. Each selects only its indexed column: SQLite planned
# `EXISTS (SELECT * FROM posts AS posts_1 WHERE merged_into_id = ...)` as a scan of every post (its
# statistics count the NULLs as one key of every row), `SELECT posts_1.id` along the index, which covers it.
_DUPLICATE = db.aliased(Post)
_POST_AND_PARTS = _POST.add_columns(
    db.select(OfficialResponse.post_id).where(OfficialResponse.post_id == _ID).exists().label("answered"),
    db.select(StatusChange.post_id).where(StatusChange.post_id == _ID).exists().label("changed"),
    db.select(_DUPLICATE.id).where(_DUPLICATE.merged_into_id == _ID).exists().label("merged"),
    db.select(db.func.aggregate_strings(db.cast(PostTag.tag_id, db.String), ","))
    .where(PostTag.post_id == _ID)
    .scalar_subquery()
    .label("tag_ids"),
)


def _visible_post(statement, post_id: int) -> Row:
    if post_id > MAX_ID:
        abort(404)
    row = db.session.execute(statement, {"post_id": post_id}).first()
    if row is None or not guardian().can_see_post(row[0]):
        abort(404)
    return row


@bp.app_template_global()
def post_url(post: Post, **kwargs) -> str:
    return url_for("posts.show", post_id=post.id, slug=post.slug, **kwargs)


# -- the list, search and one post -------------------------------------------------
@bp.get("/")
@caching.for_visitors
@reads_only
def index():
    all_categories = posts.categories(guardian())
    filters = ListFilters.from_args(request.args, all_categories)
    per_page = current_app.config["POSTS_PER_PAGE"]
    page_posts, has_next = posts.listing(guardian(), filters.for_listing, page=filters.page, per_page=per_page)
    return render_template(
        "posts/index.html",
        posts=page_posts,
        voted=votes.has_voted(current_user, [p.id for p in page_posts]),
        filters=filters,
        categories=all_categories,
        has_next=has_next,
        sorts=list(posts.SORTS),
    ), 400 if filters.problems else 200


@bp.get("/search", endpoint="search")
@caching.for_visitors
@reads_only
def search_page():
    all_categories = posts.categories(guardian())
    filters = ListFilters.from_args(request.args, all_categories, fields=SEARCH_FIELDS, searching=True)
    viewer = guardian()
    found = search.search(
        request.args.get("q", ""),
        search.Filters(
            kind=filters.kind.value if filters.kind else None,
            status=filters.status or None,
            category_id=filters.category.id if filters.category else None,
            public_only=not viewer.is_moderator,
            hidden_categories=viewer.hidden_category_ids(),
        ),
        page=filters.page,
    )
    # The index can lag the database: every hit is read again, as this viewer may see it.
    cards = posts.cards_by_id(viewer, [hit.post_id for hit in found.hits])
    hits = [(cards[hit.post_id], hit) for hit in found.hits if hit.post_id in cards]
    return render_template(
        "search/results.html",
        results=found,
        hits=hits,
        q=found.query.text,
        filters=filters,
        categories=all_categories,
        voted=votes.has_voted(current_user, list(cards)),
    ), 400 if filters.problems else 200


@bp.get("/posts/similar")
def similar():
    """Posts that say the same as a title being typed (static/js/forum.js), as JSON."""
    title = search.query.clean(request.args.get("title", ""))
    found = similar_posts.similar_posts(guardian(), title) if len(title.strip()) >= 3 else []
    return jsonify(
        [
            {"id": p.id, "title": p.title, "url": post_url(p), "status": str(p.status), "votes": p.vote_count}
            for p in found
        ]
    )


@bp.get("/posts/<int:post_id>")
@bp.get("/posts/<int:post_id>-<slug>")
@caching.for_visitors
@reads_only
def show(post_id: int, slug: str | None = None):
    post, answered, changed, merged, tag_ids = _visible_post(_POST_AND_PARTS, post_id)
    if slug != post.slug:
        # Only the page's own parameters: any other key would reach url_for (`_external`, `post_id`).
        kept = {"comments": request.args["comments"]} if "comments" in request.args else {}
        return redirect(post_url(post, **kept), 301)
    return _render_post(post, parts=(answered, changed, merged, tag_ids))


def _render_post(
    post: Post,
    comment_form=None,
    response_form=None,
    status_form=None,
    status=200,
    parts=None,
    edit_form=None,
    on_behalf_form=None,
    contacts=None,
    tags_typed: str | None = None,
    tags_problem: str | None = None,
):
    """`parts`: whether the post has an official response, status changes and duplicates merged into
    it, and its tags' ids (`_POST_AND_PARTS`), when the post's query asked; otherwise each is read.
    `tags_typed`, `tags_problem`: a refused tags form, shown again with what was typed."""
    if parts is None:
        parts = (True, True, True, ",".join(str(tag.id) for tag in tag_service.of_post(post)))
    answered, changed, merged, tag_ids = parts
    post_tags = tags().of(tag_ids)
    viewer = guardian()
    comment_page = whole_number(request.args.get("comments", "1"), 1, current_app.config["MAX_PAGE"]) or 1
    thread, more_comments = comments.thread(viewer, post, page=comment_page)
    # Forms only for those who see them: a form's CSRF token writes the session, and a visitor's page
    # must not (forum/caching.py).
    answers, sees_notes = viewer.can_respond(post), viewer.can_see_notes()
    response = responses.latest_response(post) if answered else None
    history = responses.timeline(post) if changed else []
    if response is not None and response.edited_at is not None:
        history = sorted([*history, *responses.response_edits(post)], key=lambda entry: entry.created_at)
    companies = (
        affiliations.companies_of([post.author_id, *(c.author_id for c in _flat(thread))])
        if (viewer.can_see_companies())
        else {}
    )
    if answers and response is not None and edit_form is None:
        edit_form = ResponseEditForm(formdata=None, body=response.body)
    return render_template(
        "posts/show.html",
        post=post,
        response=response,
        timeline=history,
        edit_form=edit_form if answers else None,
        merged_here=[p for p in merges.merged_into(post) if viewer.can_see_post(p)] if merged else [],
        thread=thread,
        comment_page=comment_page,
        more_comments=more_comments,
        voted=post.id in votes.has_voted(current_user, [post.id]),
        following=notify.is_following(current_user, post),
        comment_form=comment_form or (CommentForm(formdata=None) if viewer.can_comment(post) else None),
        response_form=response_form or (ResponseForm(formdata=None) if answers else None),
        status_form=status_form or (StatusForm(formdata=None, status=post.status) if answers else None),
        notes=moderation.notes(post) if sees_notes else [],
        note_form=NoteForm(formdata=None) if sees_notes else None,
        flag_form=FlagForm(formdata=None) if viewer.can_write else None,  # see Guardian.can_flag
        categories=posts.categories(viewer) if viewer.can_moderate() else [],
        companies=companies,
        # Staff only: who asked (companies, revenue), and recording a vote heard elsewhere.
        who_asked=demand.who_asked(post) if viewer.can_see_demand() else None,
        on_behalf_form=on_behalf_form or (OnBehalfForm(formdata=None) if viewer.can_vote_on_behalf(post) else None),
        contacts=contacts or [],
        post_tags=post_tags,
        tags_text=tags_typed if tags_typed is not None else ", ".join(tag.name for tag in post_tags),
        tags_problem=tags_problem,
    ), status


def _flat(thread) -> list:
    """Every comment of a page of the thread, replies included."""
    return [comment for top, replies in thread for comment in (top, *replies)]


# -- posting -------------------------------------------------------------------
def _passes_human_check(form) -> bool:
    problem = form.human_problem()
    if problem:
        form.form_errors.append(problem)
    return problem is None


@bp.get("/posts/new")
@login_required
def new():
    form = NewPostForm(posts.categories(guardian()), formdata=None, kind=request.args.get("kind", Kind.IDEA.value))
    form.start_clock()
    return render_template("posts/new.html", form=form)


@bp.post("/posts")
@login_required
@limits.posting
def create():
    all_categories = posts.categories(guardian())
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
    all_categories = posts.categories(guardian())
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


@bp.post("/posts/<int:post_id>/votes/on-behalf")
@login_required
def vote_on_behalf(post_id: int):
    """Staff record a request heard elsewhere as the person's vote. The field `email` takes an address
    or a name or company to look up: one match is used, several are offered as buttons (no script
    needed), none is a clear message."""
    post = load_post(post_id)
    guardian().ensure(guardian().can_vote_on_behalf(post))
    form = OnBehalfForm()
    if request.form.get("pick"):  # one of the people offered after a look-up by name
        form.email.data = markup.one_line(request.form["pick"])
    if not form.validate():
        return _render_post(post, on_behalf_form=form, status=422)
    email = form.email.data
    if not form.is_address:
        found = demand.find_people(email)
        if len(found) != 1:
            form.email.errors = [
                f"Several people match “{email}”: choose one below, or give an email address."
                if found
                else f"Nobody matches “{email}”. Give their email address to record the vote."
            ]
            return _render_post(post, on_behalf_form=form, contacts=found, status=422)
        email = found[0].user.email
    try:
        recorded = votes.record_on_behalf(
            current_user, post, email, priority=Priority(form.priority.data), note=form.note.data or "",
            name=form.name.data or None,
        )  # fmt: skip
    except Refused as refusal:
        db.session.rollback()
        form.email.errors = [refusal.description]
        return _render_post(post, on_behalf_form=form, status=409)
    db.session.commit()
    who = recorded.person.display_name
    if not recorded.added:
        flash(f"{who} ({recorded.person.email}) has already voted for this post: nothing changed.", "info")
    elif recorded.new_account:
        flash(f"Recorded a vote for {who} ({recorded.person.email}), with a new account they can claim.", "success")
    else:
        flash(f"Recorded a vote for {who} ({recorded.person.email}). They are told and can take it back.", "success")
    return redirect(post_url(post, _anchor="who-asked"), 303)


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


def _load_comment(comment_id: int) -> tuple[Comment, Post]:
    """The comment and its post, if this viewer may see both; 404 otherwise."""
    comment = db.session.get(Comment, comment_id) if comment_id <= MAX_ID else None
    if comment is None or not guardian().can_see_comment(comment):
        abort(404)
    return comment, load_post(comment.post_id)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int):
    comment, post = _load_comment(comment_id)
    guardian().ensure(guardian().can_edit_comment(comment, post))
    if request.method == "GET":
        form = CommentEditForm(formdata=None, body=comment.body)
        return render_template("posts/edit_comment.html", form=form, comment=comment, post=post)
    form = CommentEditForm()
    if not form.validate():
        return render_template("posts/edit_comment.html", form=form, comment=comment, post=post), 422
    changed = comments.edit_comment(current_user, comment, post, form.body.data)
    db.session.commit()
    flash("Your comment is updated; the earlier version is kept." if changed else "Nothing changed.", "success")
    return redirect(_back_to(post) + f"#comment-{comment.id}", 303)


@bp.get("/comments/<int:comment_id>/revisions")
@login_required
def comment_revisions(comment_id: int):
    """Moderators read what an edited comment said before."""
    comment, post = _load_comment(comment_id)
    guardian().ensure(guardian().can_see_comment_revisions())
    author = db.session.get(User, comment.author_id)
    return render_template(
        "posts/comment_revisions.html", comment=comment, post=post, author=author, revisions=comments.revisions(comment)
    )


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
        responses.respond(current_user, post, form.body.data, form.status.data or None)
    except Refused as refusal:
        db.session.rollback()
        form.status.errors = [refusal.description]
        return _render_post(post, response_form=form, status=409)
    db.session.commit()
    flash("Your official response is published.", "success")
    return redirect(post_url(post), 303)


@bp.post("/posts/<int:post_id>/response/edit")
@login_required
def edit_response(post_id: int):
    """Correct the newest official response (the one shown on top)."""
    post = load_post(post_id)
    guardian().ensure(guardian().can_respond(post))
    response = responses.latest_response(post)
    if response is None:
        abort(404)
    form = ResponseEditForm()
    if not form.validate():
        return _render_post(post, edit_form=form, status=422)
    changed = responses.edit_response(current_user, post, response, form.body.data)
    db.session.commit()
    flash("The official response is corrected; the earlier text is kept." if changed else "Nothing changed.", "success")
    return redirect(post_url(post, _anchor="official-title"), 303)


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
        old_label = post.status_info.label
        change = responses.change_status(current_user, post, form.status.data, form.note.data or "")
    except Refused as refusal:
        db.session.rollback()
        if wants_json():
            return jsonify({"error": refusal.description}), 409
        form.status.errors = [refusal.description]
        return _render_post(post, status_form=form, status=409)
    db.session.commit()
    if wants_json():
        return jsonify({"status": post.status, "label": post.status_info.label})
    if change is None:
        flash(f"“{post.title}” was already {post.status_info.label.lower()}; nothing changed.", "info")
    else:
        told = " Your note is in its status history and on its way to followers." if change.note else ""
        flash(f"Moved “{post.title}” from {old_label} to {post.status_info.label}.{told}", "success")
    return redirect(_back_to(post), 303)


@bp.post("/posts/<int:post_id>/tags")
@login_required
def set_tags(post_id: int):
    """Staff label a post: field `tags`, names separated by commas; a name no tag has yet makes one."""
    post = load_post(post_id)
    guardian().ensure(guardian().can_tag(post))
    typed = request.form.get("tags", "")
    try:
        changed = tag_service.set_tags(current_user, post, tag_service.parse(typed))
    except Refused as refusal:
        db.session.rollback()
        if wants_json():
            return jsonify({"error": refusal.description}), 422
        return _render_post(post, tags_typed=typed, tags_problem=refusal.description, status=422)
    db.session.commit()
    now = [tag.name for tag in tag_service.of_post(post)]
    if wants_json():
        return jsonify({"tags": now})
    if not changed:
        flash("The tags are as they were; nothing changed.", "info")
    else:
        flash(f"Tags of “{post.title}”: {', '.join(now)}." if now else f"“{post.title}” has no tags now.", "success")
    return redirect(post_url(post, _anchor="tags-title"), 303)


# -- merging duplicates ----------------------------------------------------------
MERGE_CANDIDATES = 8


def _merge_target(raw: str) -> tuple[Post | None, str | None]:
    """The original a staff member named by number ("123" or "#123"): the post, or why there is none."""
    if not raw:
        return None, "Type words of the original's title (the post to keep), or its number."
    original_id = whole_number(raw.lstrip("#"), 1, MAX_ID)
    if original_id is None:
        return None, None  # words, not a number
    original = db.session.get(Post, original_id)
    if original is None or not guardian().can_see_post(original):
        return None, f"There is no post number {original_id}. Type words of its title to find it."
    return original, None


@bp.get("/posts/<int:post_id>/merge")
@login_required
def merge_preview(post_id: int):
    """Find the original by words of its title (or its number), then see what the merge would move
    before confirming it. Without script this page is the search step; with it, the post page's
    suggestions lead straight to the preview."""
    duplicate = load_post(post_id)
    guardian().ensure(guardian().can_merge(duplicate))
    raw = search.query.clean(request.args.get("into", "")).strip()[:200]
    original, problem = _merge_target(raw)
    context = {"duplicate": duplicate, "into": raw, "problem": problem, "candidates": None, "preview": None}
    if duplicate.merged_into_id is not None:
        flash("This post is already merged: undo that merge on its page first.", "error")
        return redirect(post_url(duplicate), 303)
    if problem:
        return render_template("posts/merge.html", **context), 422 if raw else 200
    if original is None:
        found = [
            p for p in similar_posts.similar_posts(guardian(), raw, limit=MERGE_CANDIDATES + 1) if p.id != duplicate.id
        ]
        context["candidates"] = found[:MERGE_CANDIDATES]
        return render_template("posts/merge.html", **context)
    try:
        context["preview"] = merges.preview(current_user, duplicate, original)
    except Refused as refusal:
        context["problem"] = refusal.description
        return render_template("posts/merge.html", **context), 409
    return render_template("posts/merge.html", **context)


@bp.post("/posts/<int:post_id>/merge")
@login_required
def merge(post_id: int):
    duplicate = load_post(post_id)
    guardian().ensure(guardian().can_merge(duplicate))
    raw = (request.form.get("into") or "").strip()
    original, problem = _merge_target(raw)
    if original is None:
        return _merge_refused(duplicate, problem or "Give the number of the original post (the one to keep).", 422)
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
