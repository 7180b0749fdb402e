"""Search over titles, bodies, official responses and comments, on both backends."""

import pytest

from forum import search
from forum.extensions import db
from forum.models import AnonymousUser, Category, Kind, Post, Role, Status
from forum.services import comments, moderation, posts, responses
from tests.search.conftest import searched, title_of


def found(text, viewer=None, **filters):
    return [title_of(hit) for hit in searched(text, viewer, **filters).hits]


@pytest.fixture
def forum(search_backend, make_user, make_post, category):
    staff = make_user(Role.STAFF)
    other = Category(slug="billing", name="Billing")
    db.session.add(other)
    db.session.commit()
    made = {
        "crash": make_post(title="App crashes when uploading photos", body="The Android app closes at once."),
        "dark": make_post(title="Dark mode please", body="A dark colour scheme, easier on the eyes at night."),
        "mode": make_post(title="Mode switch is dark grey", body="The switch for the mode is hard to see."),
        "invoice": make_post(
            title="Invoices lack our VAT number", body="Please add it.", kind=Kind.COMPLAINT, cat=other
        ),
        "answered": make_post(title="Export to spreadsheet", body="For finance."),
        "discussed": make_post(title="Slow boards", body="Boards are slow to open."),
    }
    responses.respond(staff, made["answered"], "Planned: an Excel download arrives in March.", Status.PLANNED)
    comments.add_comment(staff, made["discussed"], "Happens with the Kanban layout and many swimlanes.")
    db.session.commit()
    return made


def test_titles_and_bodies_are_found_with_stemming(forum):
    assert found("crashing") == ["App crashes when uploading photos"]
    assert found("android closing") == ["App crashes when uploading photos"]


def test_a_quoted_phrase_needs_its_words_together(forum):
    assert set(found("dark mode")) == {"Dark mode please", "Mode switch is dark grey"}
    assert found('"dark mode"') == ["Dark mode please"]


def test_official_responses_and_comments_are_searched_comments_rank_lower(forum, make_post):
    assert found("excel download") == ["Export to spreadsheet"]
    assert found("swimlanes") == ["Slow boards"]
    make_post(title="Swimlanes on boards", body="Group cards in rows.")
    assert found("swimlanes") == ["Swimlanes on boards", "Slow boards"]


def test_filters_by_kind_status_and_category(forum):
    billing = db.session.scalars(db.select(Category).where(Category.slug == "billing")).one()
    assert found("vat", kind=Kind.COMPLAINT) == ["Invoices lack our VAT number"]
    assert found("vat", kind=Kind.IDEA) == []
    assert found("vat", category=billing) == ["Invoices lack our VAT number"]
    assert found("excel", status=Status.PLANNED) == ["Export to spreadsheet"]
    assert found("excel", status=Status.OPEN) == []


def test_snippets_highlight_the_words_and_escape_the_text(forum, make_post):
    make_post(title="Script tags", body="Typing <script>alert(1)</script> into a crash report breaks it.")
    results = searched("crash report")
    snippet = str(results.hits[0].snippet)
    assert "<mark>crash</mark> <mark>report</mark>" in snippet
    assert "<script>" not in snippet and "&lt;script&gt;" in snippet
    answered = searched("excel")
    assert answered.hits[0].found_in == "response" and "<mark>Excel</mark>" in str(answered.hits[0].snippet)


def test_hidden_deleted_and_internal_text_never_leak(forum, make_user):
    moderator = make_user(Role.MODERATOR)
    staff = make_user(Role.STAFF)
    moderation.toggle_post(moderator, forum["crash"], "hide")
    posts.delete_post(moderator, forum["dark"])
    moderation.add_note(staff, forum["mode"], "Internal: customer is on the zebracorn plan.")
    note_comment = comments.add_comment(staff, forum["invoice"], "The word flamingo is in a hidden comment.")
    db.session.flush()
    moderation.hide_comment(moderator, note_comment)
    db.session.commit()
    member = make_user()
    for viewer in (AnonymousUser(), member):
        assert found("crashes", viewer) == []
        assert found("dark", viewer) == ["Mode switch is dark grey"]
        assert found("zebracorn", viewer) == []
        assert found("flamingo", viewer) == []
    assert found("crashes", moderator) == ["App crashes when uploading photos"]
    assert found("zebracorn", staff) == []  # internal notes are not searched at all


def test_a_hidden_post_first_in_the_index_is_not_counted(search_backend, make_post, make_user):
    """Whoosh 2.7.4's AndNot let through the first match of a segment when it was excluded and the
    excluded documents started before it: "2 posts found" above one post."""
    moderator = make_user(Role.MODERATOR)
    for title in ("Hidden and unrelated", "Hidden pink flamingo", "Visible pink flamingo"):
        make_post(title=title)
    for post in db.session.scalars(db.select(Post).where(Post.title.startswith("Hidden"))):
        moderation.toggle_post(moderator, post, "hide")
    db.session.commit()
    search.backend().reindex()  # one segment, in the order of the posts
    for text in ("flamingo", '"pink flamingo"'):  # matched with sets; a phrase, by Whoosh's matchers
        results = searched(text)
        assert (results.total, [title_of(hit) for hit in results.hits]) == (1, ["Visible pink flamingo"])


def test_the_results_page_with_filters(forum, client):
    page = client.get("/search?q=dark+mode&kind=idea")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "2 posts found" in html and "<mark>Dark</mark> <mark>mode</mark> please" in html
    assert client.get("/search?q=dark&kind=nonsense").status_code == 400


def test_a_page_past_the_last_says_so_and_links_to_the_first(search_backend, make_post, client):
    """Not "Nothing found" for a word in three posts: the page asked for is past the last one."""
    for n in range(3):
        make_post(title=f"Walrus tusk {n}")
    html = client.get("/search?q=walrus&page=2&kind=idea").get_data(as_text=True)
    assert "No more results: page 2 is past the last one for “walrus”." in html
    assert "3 posts found." in html and '<a href="/search?q=walrus&amp;kind=idea">Back to the first page</a>' in html
    assert "Nothing found" not in html
    assert "Nothing found for “narwhal”." in client.get("/search?q=narwhal&page=2").get_data(as_text=True)


MALFORMED = [
    '"unbalanced quote',
    "AND OR NOT",
    "*",
    "cras* ?ark",
    "title:dark",
    "((((",
    "-dark",
    "x" * 5000,
    "dark " * 1000,
    "%FF%FE%00dark",
    "\u202edark\u202c",
    "🙂🙂",
    "\\",
    '"" "" ""',
]


@pytest.mark.parametrize("query", MALFORMED)
def test_malformed_queries_answer_a_page_never_a_500(forum, client, query):
    from urllib.parse import quote

    raw = query if query.startswith("%") else quote(query)
    page = client.get("/search?q=" + raw)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Search" in html and 'name="q"' in html


def test_helpful_notes_for_broken_syntax(forum, client):
    html = client.get('/search?q="dark+mode').get_data(as_text=True)
    assert "quotation mark had no partner" in html and "Dark mode please" in html
    assert "other symbols" in client.get("/search?q=dark*").get_data(as_text=True)
    assert "no words to search for" in client.get("/search?q=***").get_data(as_text=True)


def test_invalid_utf8_in_the_query_string(forum, client):
    page = client.get(b"/search?q=%C3%28dark".decode("latin-1"))
    assert page.status_code == 200


def test_whoosh_counts_every_match_in_the_walk_that_ranks_them(whoosh_index, make_post, monkeypatch):
    """The total is exact, from the one walk over the matches that scores them: walking them a second
    time to count was 40% of a search of two common words at 100,000 posts."""
    for n in range(5):
        make_post(title=f"Puffin colony {n}")

    def walk_again(*args, **kwargs):
        raise AssertionError("the matches were walked a second time")

    with whoosh_index._searcher() as (searcher, _):
        monkeypatch.setattr(type(searcher), "docs_for_query", walk_again)
    results = searched("puffin", per_page=2)
    assert (int(results.total), results.total.capped, len(results.hits), results.has_next) == (5, False, 2, True)
    assert str(results.total) == "5"


def test_a_filter_on_a_page_of_equally_good_matches(search_backend, make_user, category):
    """Whoosh skips blocks that cannot beat the page's worst score; a filter term of boost 0 made that
    divide by zero (a 500 at 100,000 posts for "allow mode" in a category) once the page held only the
    best score: a page of weaker matches first, then more than a page of equally good ones."""
    author = make_user()
    titles = ["Dark mode for the whole app"] * search.PER_PAGE + ["Dark mode"] * (search.PER_PAGE + 1)
    for number, title in enumerate(titles):
        posts.create_post(author, kind=Kind.IDEA, title=title, body=f"Copy {number}.", category=category)
    db.session.commit()
    results = searched("dark mode", category=category)
    assert results.total == len(titles)
    assert [title_of(hit) for hit in results.hits] == ["Dark mode"] * search.PER_PAGE
    assert found("dark mode", kind=Kind.IDEA, status=Status.OPEN) == ["Dark mode"] * search.PER_PAGE


def test_a_post_found_by_its_title_shows_its_own_text(search_backend, make_post, make_user):
    """The title shows the words, so the snippet is the post's own text, not one of its comments
    (finding that comment highlighted every comment of a busy post: half of a search at 100,000 posts)."""
    post = make_post(title="Swimlanes on boards", body="Group cards in rows.")
    comments.add_comment(make_user(), post, "Swimlanes would help our team.")
    db.session.commit()
    hit = searched("swimlanes").hits[0]
    assert hit.found_in == "post" and str(hit.snippet) == "Group cards in rows."
    assert str(hit.title) == "<mark>Swimlanes</mark> on boards"


def test_a_post_found_deep_in_its_comments_shows_the_first_comment_with_a_word(search_backend, make_post, make_user):
    """A post's comments are read a few at first for its snippet, and further only when none of those
    shows a searched word: the snippet is the first comment that does, however deep, and a hidden one
    never shows to a visitor."""
    moderator = make_user(Role.MODERATOR)
    shallow, deep = make_post(title="Board colours", body="Pick a colour."), make_post(title="Slow sync", body="Hm.")
    member = make_user()
    comments.add_comment(member, shallow, "Teal for the flamingo team, please.")
    for n in range(search.SNIPPET_COMMENTS + 5):
        comments.add_comment(member, deep, f"Same here, number {n}.")
    hidden = comments.add_comment(member, deep, "A flamingo, hidden by a moderator.")
    moderation.hide_comment(moderator, hidden)
    comments.add_comment(member, deep, "The flamingo report shows it at once.")
    db.session.commit()
    hits = {title_of(hit): hit for hit in searched("flamingo").hits}
    assert set(hits) == {"Board colours", "Slow sync"}
    assert hits["Board colours"].found_in == "comment" and "Teal for the <mark>flamingo</mark>" in str(
        hits["Board colours"].snippet
    )
    assert hits["Slow sync"].found_in == "comment"
    assert "The <mark>flamingo</mark> report" in str(hits["Slow sync"].snippet)
    moderated = searched("flamingo", moderator).hits
    assert "A <mark>flamingo</mark>, hidden" in str(next(h for h in moderated if title_of(h) == "Slow sync").snippet)
