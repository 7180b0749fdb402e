"""Tags (issue 27, point 6): staff label posts; members see the tags and filter the list, the
roadmap, the insights and the CSV export by them; a search for a tag finds the posts it labels."""

import io

import pandas
from sqlalchemy import select

from forum import search
from forum.extensions import db
from forum.models import AuditEntry, PostTag, Tag
from forum.services import responses
from forum.services import tags as tag_service
from tests.views.test_roadmap import column_titles


def _tag(send, post, text, **kwargs):
    return send(f"/posts/{post.id}/tags", {"tags": text}, **kwargs)


def test_staff_tag_a_post_and_missing_tags_are_made(make_post, make_user, login_as, send, client):
    post = make_post(title="Invoices in euros")
    login_as(make_user("staff"))
    form = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    assert '<label for="post-tags">Tags of this post</label>' in form

    tagged = _tag(send, post, " Billing ,  iOS app, billing,, ")
    assert tagged.status_code == 303
    assert tagged.location.endswith("#tags-title")
    db.session.rollback()
    made = db.session.scalars(select(Tag).order_by(Tag.name)).all()
    assert [(t.name, t.slug) for t in made] == [("Billing", "billing"), ("iOS app", "ios-app")]
    assert {t.color for t in made} <= set(tag_service.TAG_COLORS)
    assert len(db.session.scalars(select(PostTag)).all()) == 2
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tags")).one()
    assert (entry.before, entry.after) == ({"tags": []}, {"tags": ["Billing", "iOS app"]})
    audit_page = client.get("/staff/audit?action=tags")
    assert audit_page.status_code == 200 and "iOS app" in audit_page.get_data(as_text=True)

    # A second post reuses the tag; removing one keeps the other.
    other = make_post(title="Refunds take weeks")
    assert _tag(send, other, "billing").status_code == 303
    assert _tag(send, post, "iOS app").status_code == 303
    db.session.rollback()
    assert len(db.session.scalars(select(Tag)).all()) == 2
    assert [t.name for t in tag_service.of_post(post)] == ["iOS app"]
    same = _tag(send, post, "ios app")
    assert same.status_code == 303
    assert "nothing changed" in client.get("/").get_data(as_text=True)


def test_members_see_tags_on_cards_and_the_post_and_filter_by_them(make_post, make_user, login_as, send, client):
    billing = make_post(title="Invoices in euros")
    other = make_post(title="Dark mode please")
    login_as(make_user("staff"))
    _tag(send, billing, "Billing")
    _tag(send, other, "Design")
    client.get("/logout")
    login_as(make_user())

    home = client.get("/").get_data(as_text=True)
    assert '<a class="badge tag color-' in home
    assert 'href="/?tag=billing"><span class="visually-hidden">Tag: </span>Billing</a>' in home
    assert '<option value="billing">Billing</option>' in home
    filtered = client.get("/?tag=billing").get_data(as_text=True)
    assert "Invoices in euros" in filtered and "Dark mode please" not in filtered
    assert "tagged “Billing”" in filtered
    page = client.get(f"/posts/{billing.id}-{billing.slug}").get_data(as_text=True)
    assert ">Billing</a>" in page
    assert 'id="post-tags"' not in page  # the form is for staff
    unknown = client.get("/?tag=nope")
    assert unknown.status_code == 400
    assert "There is no tag “nope”; showing every tag." in unknown.get_data(as_text=True)


def test_the_roadmap_insights_and_export_take_a_tag(make_post, make_user, login_as, send, client):
    staff = make_user("staff")
    billing, other = make_post(title="Invoices in euros"), make_post(title="Dark mode please")
    for post in (billing, other):
        responses.change_status(staff, post, "planned")
    db.session.commit()
    login_as(staff)
    _tag(send, billing, "Billing")
    _tag(send, other, "Design")

    roadmap = client.get("/roadmap?tag=billing").get_data(as_text=True)
    assert column_titles(roadmap, "planned") == ["Invoices in euros"]
    assert column_titles(client.get("/roadmap").get_data(as_text=True), "planned") == [
        "Dark mode please", "Invoices in euros"
    ]  # fmt: skip
    insights = client.get("/staff/insights?tag=billing").get_data(as_text=True)
    top = insights[insights.index("Top requests by votes") :]
    assert "Invoices in euros" in top and "Dark mode please" not in top.split("Rising")[0]
    assert 'href="/staff/export/posts.csv?tag=billing"' in insights

    export = client.get("/staff/export/posts.csv?tag=billing")
    table = pandas.read_csv(io.BytesIO(export.data), encoding="utf-8-sig")
    assert list(table["title"]) == ["Invoices in euros"]
    assert list(table["tags"]) == ["Billing"]
    everything = pandas.read_csv(io.BytesIO(client.get("/staff/export/posts.csv").data), encoding="utf-8-sig")
    assert sorted(everything["tags"]) == ["Billing", "Design"]
    assert client.get("/staff/export/posts.csv?tag=nope").status_code == 400
    assert client.get("/staff/insights?tag=nope").status_code == 400


def test_a_visitors_cached_page_shows_a_tag_change_at_once(make_post, make_user, login_as, send, client):
    post = make_post(title="Invoices in euros")
    first = client.get("/").get_data(as_text=True)
    assert "Billing" not in first
    assert client.get("/").get_data(as_text=True) == first  # served from the cache
    staff = make_user("staff")
    login_as(staff)
    _tag(send, post, "Billing")
    client.get("/logout")
    assert "Billing</a>" in client.get("/").get_data(as_text=True)
    assert column_titles(client.get("/roadmap?tag=billing").get_data(as_text=True), "most_wanted") == [post.title]
    assert "Invoices in euros" in client.get("/?tag=billing").get_data(as_text=True)


def test_a_search_for_a_tag_finds_the_posts_it_labels(make_post, make_user, login_as, send, client):
    post = make_post(title="Invoices in euros", body="The totals are wrong.")
    make_post(title="Dark mode please", body="Too bright at night.")
    login_as(make_user("staff"))
    _tag(send, post, "Accounting")
    assert [hit.post_id for hit in search.search("accounting").hits] == [post.id]
    _tag(send, post, "")
    assert search.search("accounting").hits == []


def test_bad_tags_are_refused_with_the_text_kept(make_post, make_user, login_as, send):
    post = make_post()
    login_as(make_user("staff"))
    too_long = "x" * 41
    refused = _tag(send, post, f"Billing, {too_long}")
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "is too long: keep each tag to 40 characters." in page
    assert f'value="Billing, {too_long}"' in page
    many = _tag(send, post, ", ".join(f"tag {n}" for n in range(11)))
    assert many.status_code == 422
    assert "A post takes 10 tags at most." in many.get_data(as_text=True)
    as_json = _tag(send, post, too_long, headers={"Accept": "application/json"})
    assert as_json.status_code == 422 and "too long" in as_json.json["error"]
    db.session.rollback()
    assert db.session.scalars(select(Tag)).all() == []


def test_a_tag_with_no_latin_letters_gets_a_stable_address(make_post, make_user, login_as, send, client):
    post = make_post()
    login_as(make_user("staff"))
    assert _tag(send, post, "日本語").status_code == 303
    db.session.rollback()
    tag = db.session.scalars(select(Tag)).one()
    assert tag.slug.startswith("tag-") and tag.slug == tag_service.slug_for("日本語")
    assert post.title in client.get(f"/?tag={tag.slug}").get_data(as_text=True)
