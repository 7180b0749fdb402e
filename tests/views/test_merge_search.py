"""Merging by search: staff find the original by words of its title, see what the merge would do,
then confirm; numbers still work, and bad targets say why."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Follow, Post, Role, Status
from forum.services import merges, notify, votes


@pytest.fixture
def pair(make_user, make_post):
    original = make_post(title="Dark mode for the mobile app", body="White screens hurt at night.")
    duplicate = make_post(title="Please add a night theme to the phone app", body="Too bright at night.")
    both, only_dup, follower = make_user(name="Both"), make_user(name="Only dup"), make_user(name="Follower")
    votes.add(both, original)
    votes.add(both, duplicate)
    votes.add(only_dup, duplicate)
    notify.follow(follower, duplicate)
    db.session.commit()
    return original, duplicate


def test_words_of_the_title_find_the_original_and_a_preview_says_what_moves(pair, login_as, client, make_user):
    original, duplicate = pair
    login_as(make_user(Role.MODERATOR))
    page = client.get(f"/posts/{duplicate.id}", follow_redirects=True).get_data(as_text=True)
    assert "words of the original's title, or its number" in page.replace("&#39;", "'")

    results = client.get(f"/posts/{duplicate.id}/merge?into=dark+mode+mobile")
    html = results.get_data(as_text=True)
    assert results.status_code == 200
    assert "Dark mode for the mobile app" in html
    assert f"/posts/{duplicate.id}/merge?into={original.id}" in html
    assert f"into={duplicate.id}" not in html  # never offered to merge into itself

    preview = client.get(f"/posts/{duplicate.id}/merge?into={original.id}")
    text = " ".join(preview.get_data(as_text=True).split())
    assert preview.status_code == 200
    # The duplicate's authors' own votes count too: its author, "Both" and "Only dup" voted it.
    author_votes = 1
    assert f"<strong>{1 + author_votes} votes move</strong>" in text
    assert "<strong>1 voter voted for both</strong>: counted once." in text
    assert f"from {original.vote_count} to <strong>{original.vote_count + 1 + author_votes} votes</strong>" in text
    assert "follower" in text and "stay on it, readable" in text
    assert f'name="into" value="{original.id}"' in text
    # Nothing moved before confirming.
    assert db.session.get(Post, duplicate.id).merged_into_id is None


def test_the_preview_counts_what_the_merge_then_does(pair, make_user):
    original, duplicate = pair
    moderator = make_user(Role.MODERATOR)
    shown = merges.preview(moderator, duplicate, original)
    before = original.vote_count
    merges.merge_posts(moderator, duplicate, original)
    db.session.commit()
    assert db.session.get(Post, original.id).vote_count == shown.original_votes_after == before + shown.votes_moving
    followers = db.session.scalars(select(Follow.user_id).where(Follow.post_id == original.id, Follow.active)).all()
    assert shown.followers_added >= 1 and len(followers) >= shown.followers_added


def test_confirming_merges_with_the_same_post_field(pair, login_as, send, make_user):
    original, duplicate = pair
    login_as(make_user(Role.STAFF))
    reply = send(f"/posts/{duplicate.id}/merge", {"into": str(original.id)})
    assert reply.status_code == 303
    stored = db.session.get(Post, duplicate.id)
    assert (stored.status, stored.merged_into_id) == (Status.DUPLICATE, original.id)


def test_bad_targets_say_why_in_words(pair, login_as, client, make_user, make_post):
    original, duplicate = pair
    login_as(make_user(Role.MODERATOR))
    missing = client.get(f"/posts/{duplicate.id}/merge?into=9999")
    assert missing.status_code == 422
    assert "There is no post number 9999. Type words of its title to find it." in missing.get_data(as_text=True)

    same = client.get(f"/posts/{duplicate.id}/merge?into={duplicate.id}")
    assert same.status_code == 409
    assert "A post cannot be merged into itself" in same.get_data(as_text=True)

    third = make_post(title="Night mode, again")
    merges.merge_posts(make_user(Role.MODERATOR), third, original)
    db.session.commit()
    merged = client.get(f"/posts/{duplicate.id}/merge?into={third.id}")
    assert merged.status_code == 409
    assert "“Night mode, again” is itself merged into “Dark mode for the mobile app”" in merged.get_data(
        as_text=True
    ).replace("&#34;", '"')

    nothing = client.get(f"/posts/{duplicate.id}/merge?into=zebra+xylophone")
    assert nothing.status_code == 200
    assert "No post matches those words" in nothing.get_data(as_text=True)
    assert db.session.get(Post, duplicate.id).merged_into_id is None


def test_members_cannot_open_the_merge_page(pair, login_as, client, make_user):
    _, duplicate = pair
    login_as(make_user())
    assert client.get(f"/posts/{duplicate.id}/merge?into=dark").status_code == 403
