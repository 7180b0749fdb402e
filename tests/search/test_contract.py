"""Every search backend passes the same tests, through the SearchBackend Protocol (forum/search/base.py).

The posts reach the index as the app writes them (the session hooks after each commit: Whoosh's
add_to_index, PostgreSQL's triggers); the tests then ask the backend itself.
"""

import pytest

from forum import search
from forum.extensions import db
from forum.models import Role, User
from forum.search import Filters
from forum.search.query import MAX_LENGTH, analyze, parse
from forum.services import moderation
from forum.services import posts as post_service


@pytest.fixture
def backend(search_backend) -> search.SearchBackend:
    return search.backend()


def found(backend: search.SearchBackend, text: str, **filters) -> list[int]:
    return backend.query_index(parse(text), Filters(**filters), offset=0, limit=20).post_ids


def test_a_new_post_is_found_by_its_title_and_body(backend, make_post):
    post = make_post(title="Kingfisher sightings", body="A blue flash by the river.")
    other = make_post(title="Heron nest", body="Grey and patient.")
    assert found(backend, "kingfisher") == [post.id]
    assert found(backend, "river") == [post.id]
    assert found(backend, "kingfishers flash") == [post.id]  # every word, stemmed
    assert found(backend, "heron") == [other.id]
    assert found(backend, "osprey") == []
    assert backend.similar(analyze("kingfisher"), limit=5) == [post.id]


def test_an_edit_replaces_the_old_words(backend, make_post, category):
    post = make_post(title="Kingfisher sightings", body="A blue flash by the river.")
    post_service.edit_post(
        db.session.get(User, post.author_id), post, title="Dipper sightings", body="Walking under water.",
        category=category, kind=post.kind,
    )  # fmt: skip
    db.session.commit()
    assert found(backend, "dipper") == [post.id]
    assert found(backend, "water") == [post.id]
    assert found(backend, "kingfisher") == []
    assert not backend.check()


def test_a_deleted_post_leaves_public_searches_and_remove_from_index_takes_it_out(backend, make_post, make_user):
    gone, kept = make_post(title="Puffin burrows"), make_post(title="Puffin colony")
    post_service.delete_post(make_user(Role.MODERATOR), gone)
    db.session.commit()
    assert found(backend, "puffin") == [kept.id]
    assert sorted(found(backend, "puffin", public_only=False)) == sorted([gone.id, kept.id])  # moderators

    backend.remove_from_index([kept.id])
    assert found(backend, "puffin") == []
    assert backend.check().missing == [kept.id]
    backend.add_to_index([kept.id])
    assert found(backend, "puffin") == [kept.id]
    assert not backend.check()


def test_a_word_in_the_title_ranks_above_the_same_word_in_a_body(backend, make_post):
    in_body = make_post(title="Nesting boxes", body="An osprey took the box on the pole.")
    in_title = make_post(title="Osprey camera", body="Live video, please.")
    assert found(backend, "osprey") == [in_title.id, in_body.id]


def test_a_quoted_phrase_needs_its_words_together_and_in_order(backend, make_post):
    together = make_post(title="Dark mode for the app", body="Easier at night.")
    apart = make_post(title="The mode switch is dark grey", body="Hard to see.")
    assert sorted(found(backend, "dark mode")) == sorted([together.id, apart.id])
    assert found(backend, '"dark mode"') == [together.id]
    assert found(backend, '"mode dark"') == []


def test_filters_narrow_and_a_filter_alone_finds_nothing(backend, make_post, category):
    post = make_post(title="Kingfisher sightings")
    assert found(backend, "kingfisher", kind=str(post.kind), category_id=category.id) == [post.id]
    assert found(backend, "kingfisher", status="planned") == []
    assert backend.query_index(parse(""), Filters(), offset=0, limit=20) == search.Found()


@pytest.mark.parametrize(
    ("text", "finds_it"),
    [
        ("kingfisher* ~river (blue) [flash", True),
        ('kingfisher "blue', True),  # a quotation mark without its partner
        ('"""kingfisher"""', True),
        ("kingfisher\x00", True),
        ("kingfisher \ud800 \u202e\u0007", True),
        ("kingfisher " + "river " * 2000, True),
        ("title:kingfisher OR body:*", False),  # no fields: "title" and "body" are words it lacks
        ("kingfisher AND NOT heron", False),  # no operators: "heron" is a word it lacks
        ("kingfisher " + "x" * 10_000, False),  # the first MAX_LENGTH characters: a word it lacks
    ],
)
def test_hostile_query_text_is_searched_as_words_and_never_fails(backend, make_post, make_user, text, finds_it):
    """What a user types is parsed once into words and phrases: no backend sees Whoosh's or
    PostgreSQL's query syntax, control characters or more than MAX_LENGTH characters."""
    post = make_post(title="Kingfisher sightings", body="A blue flash by the river.")
    make_post(title="Heron nest", body="By the river too.")
    query = parse(text)
    assert len(query.text) <= MAX_LENGTH
    result = backend.query_index(query, Filters(), offset=0, limit=20)
    assert (result.post_ids, result.total) == (([post.id], 1) if finds_it else ([], 0))


def test_check_reports_what_the_index_lacks_and_reindex_rebuilds_it(backend, make_post, make_user):
    posts = [make_post(title=f"Shearwater burrow {n}") for n in range(3)]
    moderation.toggle_post(make_user(Role.MODERATOR), posts[2], "hide")
    db.session.commit()
    assert not backend.check()
    backend.remove_from_index([posts[0].id, posts[2].id])
    drift = backend.check()
    assert (drift.missing, drift.stale, drift.extra) == (sorted([posts[0].id, posts[2].id]), [], [])
    assert found(backend, "shearwater") == [posts[1].id]

    assert backend.reindex() == 3
    assert not backend.check()
    assert sorted(found(backend, "shearwater")) == sorted([posts[0].id, posts[1].id])  # the hidden one: not public
    assert sorted(found(backend, "shearwater", public_only=False)) == sorted(post.id for post in posts)


def test_a_tag_name_finds_the_posts_it_labels_and_leaves_with_the_tag(backend, make_post, make_user):
    from forum.services import tags

    post = make_post(title="Invoices in euros", body="The totals are wrong.")
    make_post(title="Heron nest", body="Grey and patient.")
    staff = make_user("staff")
    tags.set_tags(staff, post, ["Accounting"])
    db.session.commit()
    assert found(backend, "accounting") == [post.id]
    assert not backend.check()
    tags.set_tags(staff, post, [])
    db.session.commit()
    assert found(backend, "accounting") == []
    assert not backend.check()
