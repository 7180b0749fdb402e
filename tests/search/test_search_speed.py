"""What makes search fast at 100,000 posts must never make it wrong (issue 5): the Whoosh
searcher and results kept between searches follow every write, and visibility changes show at once."""

import multiprocessing

from forum import search
from forum.extensions import db
from forum.models import Kind, Role
from forum.search.query import parse
from forum.services import comments, moderation, posts
from tests.search.conftest import searched, title_of


def found(text, viewer=None, **filters):
    results = searched(text, viewer, **filters)
    return sorted(title_of(hit) for hit in results.hits), results.total


def test_hiding_deleting_and_restoring_show_in_the_next_search(search_backend, make_post, make_user):
    moderator = make_user(Role.MODERATOR)
    kept = make_post(title="Narwhal export")
    hidden = make_post(title="Narwhal import")
    assert found("narwhal") == (["Narwhal export", "Narwhal import"], 2)  # and now kept by the backend
    moderation.toggle_post(moderator, hidden, "hide")
    db.session.commit()
    assert found("narwhal") == (["Narwhal export"], 1)
    assert found("narwhal", moderator) == (["Narwhal export", "Narwhal import"], 2)
    moderation.toggle_post(moderator, hidden, "unhide")
    db.session.commit()
    assert found("narwhal") == (["Narwhal export", "Narwhal import"], 2)
    posts.delete_post(moderator, kept)
    db.session.commit()
    assert found("narwhal") == (["Narwhal import"], 1)
    moderation.restore_post(moderator, kept)
    db.session.commit()
    assert found("narwhal") == (["Narwhal export", "Narwhal import"], 2)


def test_edits_and_new_comments_show_in_the_next_search(search_backend, make_post, make_user, category):
    author = make_user()
    post = make_post(author, title="Octopus board", body="Eight arms.")
    assert found("tentacle") == ([], 0)
    posts.edit_post(author, post, title="Octopus board", body="Eight arms, many a tentacle.",
                    category=category, kind=Kind.IDEA)  # fmt: skip
    db.session.commit()
    assert found("tentacle") == (["Octopus board"], 1)
    comment = comments.add_comment(make_user(), post, "The squid has a siphon.")
    db.session.commit()
    assert found("siphon") == (["Octopus board"], 1)
    moderation.hide_comment(make_user(Role.MODERATOR), comment)
    db.session.commit()
    assert found("siphon") == ([], 0)


def test_totals_and_pages_of_a_word_in_many_posts(search_backend, make_post, make_user):
    author = make_user()
    for n in range(25):
        make_post(author, title=f"Heron report {n}", kind=Kind.COMPLAINT if n % 5 == 0 else Kind.IDEA)
    first = searched("heron")
    second = searched("heron", page=2)
    assert (first.total, len(first.hits), first.has_next) == (25, 20, True)
    assert (second.total, len(second.hits), second.has_next) == (25, 5, False)
    assert not {h.post_id for h in first.hits} & {h.post_id for h in second.hits}
    assert found("heron", kind=Kind.COMPLAINT)[1] == 5
    assert found("heron", kind=Kind.IDEA)[1] == 20


def _write_from_another_process(database_url, index_dir, post_id):
    from forum import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "SEARCH_INDEX_DIR": index_dir,
                      "SEARCH_BACKEND": "whoosh", "SECRET_KEY": "x"})  # fmt: skip
    with app.app_context():
        search.backend().add_to_index([post_id])
        db.engine.dispose()


def test_the_kept_whoosh_searcher_follows_writes_of_other_processes(whoosh_index, app, make_post):
    post = make_post(title="Pelican calendar")
    assert found("pelican") == (["Pelican calendar"], 1)
    writer = whoosh_index._writer()  # the index loses the post behind this process's back
    writer.delete_by_term("id", str(post.id))
    writer.commit()
    assert found("pelican") == ([], 0)
    context = multiprocessing.get_context("spawn")
    worker = context.Process(
        target=_write_from_another_process,
        args=(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SEARCH_INDEX_DIR"], post.id),
    )
    worker.start()
    worker.join(120)
    assert worker.exitcode == 0
    assert found("pelican") == (["Pelican calendar"], 1)


def test_a_rebuilt_index_folder_is_not_taken_for_the_kept_one(whoosh_index, app, make_post):
    import shutil

    make_post(title="Puffin sync")
    assert found("puffin") == (["Puffin sync"], 1)
    shutil.rmtree(app.config["SEARCH_INDEX_DIR"])
    whoosh_index.reindex()  # a new folder, whose generations start again
    make_post(title="Puffin offline")
    assert found("puffin") == (["Puffin offline", "Puffin sync"], 2)


def test_whoosh_totals_match_a_plain_count(whoosh_index, make_post, make_user):
    """The count of a full page (counted without scoring) equals what the matcher finds."""
    author = make_user()
    for n in range(30):
        make_post(author, title=f"Gull alerts {n}", body="gull" if n % 2 else "tern")
    moderation.toggle_post(make_user(Role.MODERATOR), _post("Gull alerts 3"), "hide")
    db.session.commit()
    public = search.Filters()
    found = whoosh_index.query_index(parse("gull"), public, offset=0, limit=5)
    assert found.total == 29 and len(found.post_ids) == 5
    everyone = search.Filters(public_only=False)
    assert whoosh_index.query_index(parse("gull"), everyone, offset=0, limit=5).total == 30
    assert whoosh_index.query_index(parse("gull"), public, offset=25, limit=5) == search.Found(
        whoosh_index.query_index(parse("gull"), public, offset=0, limit=30).post_ids[25:], search.Total(29)
    )


def _post(title):
    from forum.models import Post

    return db.session.scalars(db.select(Post).where(Post.title == title)).one()
