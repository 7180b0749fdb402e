import lxml.html
import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Comment, Kind, OfficialResponse, Post, PostRevision, ResponseRevision, Status, Vote
from forum.services import comments, merges, responses, votes
from tests.conftest import csrf_token_from

NEW_POST = {"title": "Dark mode for the mobile app", "body": "My **eyes** hurt at night.", "kind": "idea"}


def test_member_posts_an_idea_and_lands_on_its_page(make_user, category, login_as, send, client):
    login_as(make_user(name="Maria"))
    response = send("/posts", {**NEW_POST, "category": category.slug})
    assert response.status_code == 303
    post = db.session.scalars(select(Post)).one()
    assert response.location == f"/posts/{post.id}-dark-mode-for-the-mobile-app"
    assert (post.kind, post.status, post.vote_count) == ("idea", "open", 1)
    assert post.body_html == "<p>My <strong>eyes</strong> hurt at night.</p>\n"
    page = client.get(response.location).get_data(as_text=True)
    assert "Dark mode for the mobile app" in page
    assert "<strong>eyes</strong>" in page
    assert "Maria" in page


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": ""}, "Give your post a title."),
        ({"title": "x" * 121}, "Keep the title to 120 characters or fewer."),
        ({"body": ""}, "Describe your idea or problem."),
        ({"body": "x" * 20001}, "Keep the details to 20,000 characters or fewer."),
        ({"category": "no-such-category"}, "Choose one of the listed categories."),
        ({"kind": "rant"}, "Choose whether this is an idea or a complaint."),
    ],
)
def test_bad_post_input_is_explained_next_to_the_field_and_the_text_kept(
    make_user, category, login_as, send, change, message
):
    login_as(make_user())
    data = {**NEW_POST, "category": category.slug, **change}
    response = send("/posts", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert 'class="field-error"' in page
    # What the user typed is still in the form.
    assert "My **eyes** hurt at night." in page or change.get("body") is not None
    if change.get("title") != "":
        assert (data["title"][:50]) in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_a_body_too_big_for_the_server_gets_a_413_page(make_user, category, login_as, send):
    login_as(make_user())
    response = send("/posts", {**NEW_POST, "category": category.slug, "body": "x" * 2_000_000})
    assert response.status_code == 413
    assert "That was too big" in response.get_data(as_text=True)


def test_a_form_without_csrf_token_is_refused_and_the_text_shown_back(make_user, category, login_as, client):
    login_as(make_user())
    response = client.post("/posts", data={**NEW_POST, "category": category.slug})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "nothing was saved" in page
    assert "My **eyes** hurt at night." in page
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_double_submit_makes_one_post(make_user, category, login_as, send):
    login_as(make_user())
    first = send("/posts", {**NEW_POST, "category": category.slug})
    second = send("/posts", {**NEW_POST, "category": category.slug})
    assert first.location == second.location
    assert db.session.scalar(select(func.count()).select_from(Post)) == 1


def test_the_new_post_form_needs_a_category_list(make_user, category, login_as, client):
    login_as(make_user())
    page = client.get("/posts/new?kind=complaint").get_data(as_text=True)
    assert 'value="mobile-app"' in page
    assert '<input checked id="kind-1" name="kind" required type="radio" value="complaint">' in page


# -- the list -------------------------------------------------------------------------
def test_home_lists_posts_with_their_votes_and_hides_deleted_ones(make_post, make_user, client, app_ctx):
    kept = make_post(title="Export invoices to CSV")
    gone = make_post(title="Spam spam spam")
    from forum.services.posts import delete_post

    delete_post(_author(gone), gone)
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Export invoices to CSV" in page
    assert "Spam spam spam" not in page
    assert f"/posts/{kept.id}-export-invoices-to-csv" in page


def _author(post):
    from forum.models import User

    return db.session.get(User, post.author_id)


def test_sorts_order_posts(make_post, make_user, client):
    old = make_post(title="Older but popular")
    new = make_post(title="Newest one")
    for _ in range(3):
        votes.add(make_user(), old)
    db.session.commit()
    top = client.get("/?sort=top").get_data(as_text=True)
    assert top.index("Older but popular") < top.index("Newest one")
    newest = client.get("/?sort=new").get_data(as_text=True)
    assert newest.index("Newest one") < newest.index("Older but popular")
    comments.add_comment(make_user(), old, "Bump")
    db.session.commit()
    active = client.get("/?sort=active").get_data(as_text=True)
    assert active.index("Older but popular") < active.index("Newest one")
    assert new.id != old.id


def test_filters_by_kind_status_and_category(make_post, make_user, client):
    make_post(title="An idea here", kind=Kind.IDEA)
    complaint = make_post(title="A complaint here", kind=Kind.COMPLAINT)
    responses.change_status(make_user("staff"), complaint, Status.PLANNED)
    db.session.commit()
    page = client.get("/?kind=complaint").get_data(as_text=True)
    assert "A complaint here" in page and "An idea here" not in page
    page = client.get("/?status=planned").get_data(as_text=True)
    assert "A complaint here" in page and "An idea here" not in page
    page = client.get("/?category=mobile-app").get_data(as_text=True)
    assert "A complaint here" in page and "An idea here" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("sort=loudest", "is not a sort order"),
        ("kind=rant", "is not a kind of post"),
        ("status=lost", "is not a status"),
        ("page=0", "Pages are numbered 1 to"),
        ("page=abc", "Pages are numbered 1 to"),
        ("page=99999999999999999999", "Pages are numbered 1 to"),
        ("category=nowhere", "There is no category"),
    ],
)
def test_bogus_list_parameters_get_a_400_that_still_shows_posts(make_post, client, query, message):
    make_post(title="Still listed")
    response = client.get(f"/?{query}")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert "Still listed" in page


def test_pages_go_forward_and_back(make_post, client, app):
    per_page = app.config["POSTS_PER_PAGE"]
    for n in range(per_page + 3):
        make_post(title=f"Post {n:02d}")
    first = client.get("/?sort=new").get_data(as_text=True)
    assert "Post 22" in first and "Post 02" not in first
    assert 'rel="next"' in first
    second = client.get("/?sort=new&page=2").get_data(as_text=True)
    assert "Post 02" in second and "Post 22" not in second
    assert 'rel="prev"' in second and 'rel="next"' not in second


def test_a_page_past_the_last_says_so_and_links_to_the_first(make_post, client):
    make_post(title="The only post")
    html = client.get("/?sort=new&page=5").get_data(as_text=True)
    assert "No more posts: page 5 is past the last one." in html
    assert '<a href="/?sort=new">Back to the first page</a>' in html and "The only post" not in html
    assert "No posts match these filters yet" not in html


# -- the post page ----------------------------------------------------------------------
def test_post_url_without_or_with_wrong_slug_redirects_to_the_right_one(make_post, client):
    post = make_post(title="Bulk edit invoices")
    assert client.get(f"/posts/{post.id}").location == f"/posts/{post.id}-bulk-edit-invoices"
    assert client.get(f"/posts/{post.id}-wrong").status_code == 301


@pytest.mark.parametrize("post_id", ["999", "2147483648", "99999999999999999999"])
def test_unknown_post_ids_are_404(client, post_id):
    response = client.get(f"/posts/{post_id}")
    assert response.status_code == 404
    assert "We could not find that page" in response.get_data(as_text=True)


def test_official_response_shows_on_top_with_the_timeline(make_post, make_user, client):
    post = make_post(title="Recurring invoices")
    comments.add_comment(make_user(name="Kenji"), post, "Me too!")
    responses.respond(make_user("staff", name="Sam"), post, "We are **building** it.", Status.PLANNED)
    db.session.commit()
    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert page.index("Official response") < page.index("Me too!")
    assert "<strong>building</strong>" in page
    assert "status-planned" in page
    assert "moved it from" in page and "with an official response" in page


def test_every_card_of_a_list_votes_with_the_session_token_and_comes_back_to_that_list(
    make_post, make_user, login_as, client, category
):
    # The vote forms' hidden fields and the category links are built once per page (forum/posts/views.py):
    # each card must still carry this session's token, this page's address and its own post's addresses.
    made = [make_post() for _ in range(3)]
    login_as(make_user())
    html = client.get("/?sort=new&category=mobile-app").get_data(as_text=True)
    page = lxml.html.fromstring(html)
    forms = page.xpath("//li[@class='post-card']/form[@class='vote']")
    assert [form.get("action") for form in forms] == [f"/posts/{post.id}/vote" for post in reversed(made)]
    assert [form.get("data-unvote-url") for form in forms] == [f"/posts/{p.id}/unvote" for p in reversed(made)]
    token = csrf_token_from(html)
    for form in forms:
        fields = {field.get("name"): field.get("value") for field in form.xpath("input[@type='hidden']")}
        assert fields == {"csrf_token": token, "next": "/?sort=new&category=mobile-app"}
    links = page.xpath("//li[@class='post-card']//a[@class='category-link']")
    assert [(a.get("href"), a.text) for a in links] == [("/?category=mobile-app", category.name)] * 3
    # Without JavaScript the form is posted as it is, and the voter lands on the list again.
    fields = {field.get("name"): field.get("value") for field in forms[2].xpath("input[@type='hidden']")}
    response = client.post(forms[2].get("action"), data=fields)
    assert (response.status_code, response.location) == (303, "/?sort=new&category=mobile-app")
    db.session.rollback()
    assert db.session.get(Post, made[0].id).vote_count == 2


def test_votes_with_json_and_without(make_post, make_user, login_as, send):
    post = make_post()
    login_as(make_user())
    response = send(f"/posts/{post.id}/vote", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.json == {"votes": 2, "voted": True}
    again = send(f"/posts/{post.id}/vote", headers={"Accept": "application/json"})
    assert again.json == {"votes": 2, "voted": True}
    back = send(f"/posts/{post.id}/unvote")
    assert back.status_code == 303
    assert back.location == f"/posts/{post.id}-{post.slug}"
    db.session.rollback()
    assert db.session.get(Post, post.id).vote_count == 1


def test_voting_on_a_closed_post_says_why(make_post, make_user, login_as, send, client):
    post = make_post()
    responses.change_status(make_user("staff"), post, Status.DONE)
    db.session.commit()
    login_as(make_user())
    response = send(f"/posts/{post.id}/vote", headers={"Accept": "application/json"})
    assert response.status_code == 409
    assert response.json == {"error": "This post is done: it takes no more votes.", "votes": 1}
    plain = send(f"/posts/{post.id}/vote")
    assert plain.status_code == 303
    assert "it takes no more votes" in client.get(plain.location).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Vote)) == 1


def test_comments_and_replies_nest_one_level(make_post, make_user, login_as, send, client):
    post = make_post()
    login_as(make_user(name="Ana"))
    send(f"/posts/{post.id}/comments", {"body": "First comment"})
    parent = db.session.scalars(select(Comment)).one()
    send(f"/posts/{post.id}/comments", {"body": "A reply", "parent_id": str(parent.id)})
    reply = db.session.scalars(select(Comment).where(Comment.parent_id == parent.id)).one()
    send(f"/posts/{post.id}/comments", {"body": "Reply to the reply", "parent_id": str(reply.id)})
    db.session.rollback()
    assert db.session.get(Post, post.id).comment_count == 3
    deepest = db.session.scalars(select(Comment).where(Comment.body == "Reply to the reply")).one()
    assert deepest.parent_id == parent.id
    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert "3 comments" in page
    assert page.index("First comment") < page.index('class="replies"') < page.index("A reply")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"body": ""}, "Write something before posting a comment."),
        ({"body": "x" * 10001}, "Keep comments to 10,000 characters or fewer."),
        ({"body": "Kept text", "parent_id": "12345"}, "The comment you replied to no longer exists"),
        ({"body": "Kept text", "parent_id": "abc"}, "The comment you replied to no longer exists"),
    ],
)
def test_bad_comments_are_explained(make_post, make_user, login_as, send, data, message):
    post = make_post()
    login_as(make_user())
    response = send(f"/posts/{post.id}/comments", data)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page
    if data["body"] == "Kept text":
        assert "Kept text" in page
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 0


def test_editing_keeps_the_old_text_as_a_revision(make_post, login_as, send, client):
    post = make_post(title="Old title", body="Old body")
    from forum.models import User

    login_as(db.session.get(User, post.author_id))
    edit_page = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert 'value="Old title"' in edit_page
    response = send(
        f"/posts/{post.id}/edit", {"title": "New title", "body": "New body", "kind": "idea", "category": "mobile-app"}
    )
    assert response.status_code == 303
    db.session.rollback()
    revision = db.session.scalars(select(PostRevision)).one()
    assert (revision.title, revision.body) == ("Old title", "Old body")
    assert db.session.get(Post, post.id).title == "New title"
    assert "(edited" in client.get(response.location).get_data(as_text=True)


def test_deleting_is_soft(make_post, login_as, send, client):
    post = make_post(title="Regretted post")
    from forum.models import User

    login_as(db.session.get(User, post.author_id))
    assert send(f"/posts/{post.id}/delete").status_code == 303
    db.session.rollback()
    assert db.session.get(Post, post.id).deleted_at is not None
    assert client.get(f"/posts/{post.id}").status_code == 404


def test_staff_answer_sets_status_and_first_response_time(make_post, make_user, login_as, send):
    post = make_post()
    login_as(make_user("staff"))
    response = send(f"/posts/{post.id}/response", {"body": "Thanks, we plan this.", "status": "planned"})
    assert response.status_code == 303
    db.session.rollback()
    stored = db.session.get(Post, post.id)
    assert stored.status == Status.PLANNED
    assert stored.first_response_at is not None
    first = stored.first_response_at
    send(f"/posts/{post.id}/response", {"body": "Now in progress.", "status": "in_progress"})
    db.session.rollback()
    assert db.session.get(Post, post.id).first_response_at == first


@pytest.mark.parametrize(
    ("data", "code", "message"),
    [
        ({"body": "", "status": "planned"}, 422, "Write the response before publishing it."),
        ({"body": "Fine", "status": "shipped"}, 422, "Choose one of the listed statuses."),
        ({"body": "Fine", "status": "duplicate"}, 422, "Choose one of the listed statuses."),
    ],
)
def test_bad_official_responses_are_explained(make_post, make_user, login_as, send, data, code, message):
    post = make_post()
    login_as(make_user("staff"))
    response = send(f"/posts/{post.id}/response", data)
    assert response.status_code == code
    assert message in response.get_data(as_text=True)
    db.session.rollback()
    assert db.session.get(Post, post.id).status == Status.OPEN


def test_long_discussions_are_paged_with_replies_kept_under_their_comment(make_post, make_user, client, app_ctx):
    post = make_post(title="Busy thread")
    people = [make_user() for _ in range(3)]
    firsts = [comments.add_comment(people[n % 3], post, f"Comment number {n}") for n in range(55)]
    comments.add_comment(people[0], post, "A reply on the second page", parent=firsts[52])
    db.session.commit()
    first = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert "Comment number 49<" in first and "Comment number 50<" not in first
    assert "Later comments" in first and "Earlier comments" not in first
    second = client.get(f"/posts/{post.id}-{post.slug}?comments=2").get_data(as_text=True)
    assert "Comment number 50<" in second and "Comment number 54<" in second
    assert "A reply on the second page" in second
    assert "Earlier comments" in second and "Later comments" not in second
    assert "56 comments" in second
    # A nonsense page number shows the first page.
    assert "Comment number 0<" in client.get(f"/posts/{post.id}-{post.slug}?comments=abc").get_data(as_text=True)


def test_a_visitor_sees_each_part_a_post_has_and_no_other(make_post, make_user, client):
    """The post's own query tells whether it has an official response, status changes and duplicates
    merged into it; each part shows when the post has it, whichever of the three it has."""
    staff = make_user("staff")
    answered, moved, original, duplicate, plain = (make_post(title=f"Post {n}") for n in "ABCDE")
    responses.respond(staff, answered, "Our answer to it.")
    responses.change_status(staff, moved, Status.PLANNED)
    merges.merge_posts(staff, duplicate, original)
    db.session.commit()

    def page(post):
        response = client.get(f"/posts/{post.id}-{post.slug}")
        assert response.status_code == 200
        return lxml.html.fromstring(response.get_data(as_text=True))

    def parts(doc):
        return {
            "response": "Our answer to it." in doc.text_content(),
            "history": bool(doc.xpath('//*[@id="timeline-title"]')),
            "merged": [a.text_content() for a in doc.xpath('//*[contains(@class, "merge-notice")]//a')],
        }

    assert parts(page(answered)) == {"response": True, "history": False, "merged": []}
    assert parts(page(moved)) == {"response": False, "history": True, "merged": []}
    # A merge records itself in the original's history too.
    assert parts(page(original)) == {"response": False, "history": True, "merged": ["Post D"]}
    assert parts(page(plain)) == {"response": False, "history": False, "merged": []}


def _titles_on(client, url: str) -> list[str]:
    page = client.get(url).get_data(as_text=True)
    return [chunk.split("</a>")[0] for chunk in page.split('class="post-card-title"><a')[1:]]


def test_trending_and_top_leave_closed_posts_out_unless_asked(make_post, make_user, client):
    staff = make_user("staff")
    make_post(title="Still wanted")
    shipped = make_post(title="Shipped already")
    refused = make_post(title="Turned down")
    responses.change_status(staff, shipped, Status.DONE)
    responses.change_status(staff, refused, Status.DECLINED)
    db.session.commit()

    def shown(url):
        return {t.split(">")[-1] for t in _titles_on(client, url)}

    for url in ("/", "/?sort=trending", "/?sort=top"):
        assert shown(url) == {"Still wanted"}, url
    assert "Trending and Top leave out done" in client.get("/").get_data(as_text=True)
    everything = {"Still wanted", "Shipped already", "Turned down"}
    assert shown("/?closed=1") == everything
    assert shown("/?sort=top&closed=1") == everything
    assert shown("/?sort=new") == everything
    assert shown("/?status=done") == {"Shipped already"}
    assert 'name="closed" value="1" checked' in client.get("/?closed=1").get_data(as_text=True)
    bad = client.get("/?closed=yes-please")
    assert bad.status_code == 400
    assert "is not a choice for closed posts" in bad.get_data(as_text=True)


def test_each_card_has_a_one_line_excerpt(make_post, client):
    make_post(title="Dark mode", body="**Please** add a dark theme for night shifts.\n\nSecond paragraph stays out.")
    make_post(title="Long one", body="word " * 200)
    page = client.get("/").get_data(as_text=True)
    assert '<p class="post-card-excerpt" dir="auto">Please add a dark theme for night shifts.</p>' in page
    assert "Second paragraph stays out" not in page
    long_excerpt = page.split("Long one</a>")[1].split('class="post-card-excerpt" dir="auto">')[1].split("</p>")[0]
    assert long_excerpt.endswith("…") and len(long_excerpt) <= 140
    # with script, the filters apply on change (static/js/forum.js); without, the Show button does
    assert "data-autosubmit" in page and '<button type="submit" class="button filters-submit">Show</button>' in page


def test_staff_correct_an_official_response_and_every_version_is_kept(make_post, make_user, login_as, send, client):
    staff = make_user("staff", name="Sam Staff")
    author = make_user()
    post = make_post(author, title="Receipts as PDF")
    responses.respond(staff, post, "We ship this in March.", Status.PLANNED)
    db.session.commit()
    page_url = f"/posts/{post.id}-{post.slug}"

    login_as(author)
    assert send(f"/posts/{post.id}/response/edit", {"body": "Hijacked"}).status_code == 403
    assert "Edit this response" not in client.get(page_url).get_data(as_text=True)

    login_as(staff)
    page = client.get(page_url).get_data(as_text=True)
    assert "Edit this response" in page and 'id="edit-response-body"' in page
    empty = send(f"/posts/{post.id}/response/edit", {"body": "   "})
    assert empty.status_code == 422 and "Write the corrected response." in empty.get_data(as_text=True)
    fixed = send(f"/posts/{post.id}/response/edit", {"body": "We ship this in **April**."})
    assert fixed.status_code == 303
    send(f"/posts/{post.id}/response/edit", {"body": "We ship this in May."})

    login_as(author)
    page = client.get(page_url).get_data(as_text=True)
    official = page.split('id="official-title"')[1].split("</section>")[0]
    assert "We ship this in May." in official and "March" not in official and "edited" in official
    history = page.split('id="timeline-title"')[1].split("</section>")[0]
    assert history.count("edited the official response") == 2
    kept = db.session.scalars(select(ResponseRevision.body).order_by(ResponseRevision.id)).all()
    assert kept == ["We ship this in March.", "We ship this in **April**."]
    response = db.session.scalars(select(OfficialResponse)).one()
    assert response.body_html == "<p>We ship this in May.</p>\n"
