"""Similar posts while typing a title: recall on hand-made paraphrase pairs, and the JSON."""

import json
from pathlib import Path

from forum.demo import data
from forum.extensions import db
from forum.models import Category, Kind
from forum.permissions import anyone
from forum.services import posts, similar

PAIRS = json.loads((Path(__file__).parent.parent / "data" / "paraphrase_pairs.json").read_text())


def _recall(pairs, make_user, category) -> float:
    author = make_user()
    originals = [posts.create_post(author, kind=Kind.IDEA, title=p["original"]["title"], body=p["original"]["body"],
                                   category=category) for p in pairs]  # fmt: skip
    for demo in data()["content"]["posts"]:
        posts.create_post(author, kind=Kind(demo["kind"]), title=demo["title"], body=demo["body"], category=category)
    db.session.commit()  # one commit: one index update
    hits = 0
    for pair, original in zip(pairs, originals, strict=True):
        hits += original.id in [p.id for p in similar.similar_posts(anyone(), pair["typed"])]
    return hits / len(pairs)


# The sentence vectors do not go through the search backend: these run once, not once per backend.
def test_recall_at_5_on_paraphrase_pairs(make_user, category, record_property):
    recall = _recall(PAIRS["pairs"], make_user, category)
    record_property("recall_at_5", recall)
    print(f"recall@5 = {recall:.2f} on {len(PAIRS['pairs'])} pairs")
    assert len(PAIRS["pairs"]) >= 40
    assert recall >= 0.8


def test_recall_at_5_on_pairs_never_tuned_on(make_user, category):
    assert _recall(PAIRS["holdout"], make_user, category) >= 0.8


def test_similar_endpoint_json(search_backend, client, make_post, make_user):
    post = make_post(title="Dark mode please", body="Night colours.")
    make_post(title="Export to CSV")
    reply = client.get("/posts/similar?title=night+theme")
    assert reply.status_code == 200
    assert reply.get_json() == [
        {"id": post.id, "title": "Dark mode please", "url": f"/posts/{post.id}-dark-mode-please", "status": "open",
         "votes": 1}
    ]  # fmt: skip
    assert client.get("/posts/similar?title=").get_json() == []
    assert client.get("/posts/similar?title=" + "x" * 5000).status_code == 200
    assert client.get("/posts/similar?title=%FF%00").status_code == 200


def test_the_new_post_form_works_without_javascript(client, make_user, login_as):
    login_as(make_user())
    html = client.get("/posts/new").get_data(as_text=True)
    assert 'id="similar-posts"' in html and "hidden" in html.split('id="similar-posts"')[1].split(">")[0]
    assert 'data-similar-url="/posts/similar"' in html


def test_merged_duplicates_and_hidden_posts_are_not_suggested(search_backend, make_post, make_user):
    from forum.models import Role
    from forum.services import merges, moderation

    moderator = make_user(Role.MODERATOR)
    original = make_post(title="Dark mode please")
    duplicate = make_post(title="Dark theme")
    hidden = make_post(title="Dark colours")
    merges.merge_posts(moderator, duplicate, original)
    moderation.toggle_post(moderator, hidden, "hide")
    db.session.commit()
    assert [p.id for p in similar.similar_posts(anyone(), "dark mode")] == [original.id]
    assert Category  # the demo posts all go to one category here
