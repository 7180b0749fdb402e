"""Custom statuses (issue 27, point 5): admins add, rename, recolour, reorder and archive statuses;
every rule asks a status's kind, so a new status works everywhere with no change to the code."""

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import Notification, Post, PostStatus, StatusChange, statuses
from forum.services import Refused, queue, responses, votes
from forum.services import statuses as status_service
from tests.views.test_roadmap import column_titles


def _status(slug: str) -> PostStatus:
    return db.session.scalars(select(PostStatus).where(PostStatus.slug == slug)).one()


def _add(send, label, kind, color="teal", roadmap=True):
    data = {"label": label, "kind": kind, "color": color}
    if roadmap:
        data["show_on_roadmap"] = "1"
    return send("/admin/statuses", data)


def test_a_new_status_of_an_existing_kind_is_a_roadmap_column_with_no_code_change(
    make_post, make_user, login_as, send, client
):
    login_as(make_user("admin"))
    added = _add(send, "Beta testing", "active")
    assert added.status_code == 303
    beta = _status("beta_testing")
    assert (beta.label, beta.kind, beta.color, beta.show_on_roadmap) == ("Beta testing", "active", "teal", True)

    post = make_post(title="Offline mode")
    moved = send(f"/posts/{post.id}/status", {"status": "beta_testing"})
    assert moved.status_code == 303
    client.get("/logout")
    page = client.get("/roadmap").get_data(as_text=True)
    assert 'id="column-beta_testing"' in page
    assert column_titles(page, "beta_testing") == ["Offline mode"]
    # Its own list, its badge and its place in the filters, under the slug it was given.
    listed = client.get("/?status=beta_testing").get_data(as_text=True)
    assert "Offline mode" in listed
    assert '<option value="beta_testing" selected>Beta testing</option>' in listed
    assert 'class="badge status-beta_testing color-teal">Beta testing<' in listed


def test_a_status_of_the_done_kind_closes_the_post_tells_voters_and_ships_it(make_post, make_user, client):
    admin = make_user("admin")
    voter = make_user()
    post = make_post(title="Dark mode")
    votes.add(voter, post)
    db.session.commit()
    status_service.create_status(admin, label="Released", kind="done", color="green", show_on_roadmap=True)
    db.session.commit()

    responses.change_status(admin, post, "released")
    db.session.commit()
    assert post.is_closed
    with pytest.raises(Refused, match=r"This post is released: it takes no more votes\."):
        votes.add(make_user(), post)
    told = db.session.scalars(select(Notification.event).where(Notification.user_id == voter.id)).all()
    assert sorted(told) == ["shipped", "status"]
    # Trending leaves it out (closed); the changelog and the roadmap's column of its own show it.
    assert "Dark mode" not in client.get("/").get_data(as_text=True)
    assert "Dark mode" in client.get("/changelog").get_data(as_text=True)
    assert column_titles(client.get("/roadmap").get_data(as_text=True), "released") == ["Dark mode"]


def test_trending_leaves_out_closed_kinds_and_the_queue_holds_waiting_kinds(make_post, make_user, client):
    admin = make_user("admin")
    status_service.create_status(admin, label="Won't do", kind="declined", color="red", show_on_roadmap=False)
    status_service.create_status(admin, label="Triage", kind="review", color="amber", show_on_roadmap=True)
    db.session.commit()
    refused = make_post(title="Refused idea")
    waiting = make_post(title="Waiting idea")
    responses.change_status(admin, refused, "won_t_do")
    responses.change_status(admin, waiting, "triage")
    db.session.commit()

    home = client.get("/").get_data(as_text=True)
    assert "Waiting idea" in home and "Refused idea" not in home
    assert "Refused idea" in client.get("/?closed=1").get_data(as_text=True)
    assert [item.post.title for item in queue.unanswered()] == ["Waiting idea"]


def test_a_renamed_status_keeps_its_slug_and_old_timeline_entries_keep_their_label(
    make_post, make_user, login_as, send, client
):
    admin = make_user("admin")
    post = make_post(title="Export to PDF")
    responses.change_status(admin, post, "planned")
    db.session.commit()
    login_as(admin)
    planned = _status("planned")
    renamed = send(
        f"/admin/statuses/{planned.id}",
        {"label": "Scheduled", "kind": "active", "color": "purple", "show_on_roadmap": "1"},
    )
    assert renamed.status_code == 303
    responses.change_status(admin, post, "in_progress")
    db.session.commit()

    page = client.get(f"/posts/{post.id}-{post.slug}").get_data(as_text=True)
    history = page[page.index('id="timeline-title"') :]
    # The entry written before the rename keeps "Planned"; the one after says "Scheduled" (both in the
    # status's colour of today).
    assert 'moved it from <span class="badge status-open color-gray">Open</span> to ' \
        '<span class="badge status-planned color-purple">Planned</span>' in history  # fmt: skip
    assert 'from <span class="badge status-planned color-purple">Scheduled</span> to' in history
    assert client.get("/?status=planned").status_code == 200
    roadmap = client.get("/roadmap").get_data(as_text=True)
    assert '<h2 id="column-planned">Scheduled' in roadmap


def test_archiving_a_status_in_use_asks_where_its_posts_go_then_moves_them(
    make_post, make_user, login_as, send, client
):
    admin = make_user("admin")
    status_service.create_status(admin, label="Beta", kind="active", color="teal", show_on_roadmap=True)
    db.session.commit()
    first, second = make_post(title="First in beta"), make_post(title="Second in beta")
    for post in (first, second):
        responses.change_status(admin, post, "beta")
    db.session.commit()
    login_as(admin)
    beta = _status("beta")

    asked = send(f"/admin/statuses/{beta.id}/archive", {})
    assert asked.status_code == 422
    page = asked.get_data(as_text=True)
    assert "2 posts are “Beta”: choose the status they move to." in page
    assert '<label for="move-to-' in page and "Archiving “Beta” moves its 2 posts to" in page
    db.session.rollback()
    assert _status("beta").archived_at is None

    done = send(f"/admin/statuses/{beta.id}/archive", {"move_to": "planned"})
    assert done.status_code == 303
    db.session.rollback()
    assert _status("beta").archived_at is not None
    assert {p.status for p in db.session.scalars(select(Post))} == {"planned"}
    entries = db.session.scalars(select(StatusChange).where(StatusChange.from_status == "beta")).all()
    assert sorted((e.post_id, e.to_status, e.from_label, e.to_label, e.note) for e in entries) == [
        (first.id, "planned", "Beta", "Planned", "“Beta” was retired."),
        (second.id, "planned", "Beta", "Planned", "“Beta” was retired."),
    ]
    assert "beta" not in [s.slug for s in statuses().current]
    refused = send(f"/posts/{first.id}/status", {"status": "beta"}, headers={"Accept": "application/json"})
    assert refused.status_code == 422
    assert 'id="column-beta"' not in client.get("/roadmap").get_data(as_text=True)
    # Its old entries still read as they did.
    post_page = client.get(f"/posts/{first.id}-{first.slug}").get_data(as_text=True)
    assert 'to <span class="badge status-beta color-teal">Beta</span>' in post_page

    restored = send(f"/admin/statuses/{beta.id}/restore", {})
    assert restored.status_code == 303
    db.session.rollback()
    assert "beta" in [s.slug for s in statuses().current]


def test_reordering_moves_the_roadmap_columns(make_user, login_as, send, client):
    login_as(make_user("admin"))
    in_progress = _status("in_progress")
    assert send(f"/admin/statuses/{in_progress.id}/move", {"direction": "up"}).status_code == 303
    page = client.get("/roadmap").get_data(as_text=True)
    assert page.index('id="column-in_progress"') < page.index('id="column-planned"')
    db.session.rollback()
    order = [s.slug for s in statuses().current]
    assert order.index("in_progress") < order.index("planned")


def test_bad_input_is_refused_with_a_message_and_the_typed_text_kept(make_user, login_as, send):
    login_as(make_user("admin"))
    cases = [
        ({"label": "", "kind": "active", "color": "teal"}, "Give the status a label"),
        ({"label": "x" * 41, "kind": "active", "color": "teal"}, "Keep the label to 40 characters"),
        ({"label": "Shipped soon", "kind": "duplicate", "color": "teal"}, "Choose what kind of status"),
        ({"label": "Shipped soon", "kind": "active", "color": "#ff0000"}, "Choose one of the listed colours"),
        ({"label": "planned", "kind": "active", "color": "teal"}, "There is a status called “Planned” already"),
        ({"label": "Nul\x00byte", "kind": "bogus", "color": "teal"}, "Choose what kind of status"),
    ]
    for data, message in cases:
        response = send("/admin/statuses", data)
        assert response.status_code == 422, data
        page = response.get_data(as_text=True)
        assert message in page, data
        if data["label"] and "\x00" not in data["label"]:
            assert f'value="{data["label"]}"' in page
    db.session.rollback()
    assert len(db.session.scalars(select(PostStatus)).all()) == 6


def test_the_only_open_status_cannot_be_archived_nor_change_kind(make_user, login_as, send):
    login_as(make_user("admin"))
    opened = _status("open")
    archived = send(f"/admin/statuses/{opened.id}/archive", {})
    assert archived.status_code == 422
    assert "the only open status, the one new posts start in" in archived.get_data(as_text=True)
    changed = send(f"/admin/statuses/{opened.id}", {"label": "Open", "kind": "review", "color": "gray"})
    assert changed.status_code == 422
    db.session.rollback()
    assert _status("open").kind == "open"


def test_new_posts_start_in_the_first_open_status(make_post, make_user):
    admin = make_user("admin")
    new = status_service.create_status(admin, label="New", kind="open", color="blue", show_on_roadmap=True)
    db.session.commit()
    for _ in range(new.position):
        status_service.reorder(admin, new, "up")
    db.session.commit()
    assert make_post().status == "new"


def test_the_admin_page_lists_statuses_with_their_kind_and_use(make_post, make_user, login_as, client):
    make_post()
    login_as(make_user("admin"))
    page = client.get("/admin/statuses").get_data(as_text=True)
    for label in ("Open", "Under review", "Planned", "In progress", "Done", "Declined"):
        assert f">{label}</span>" in page
    assert "Open · 1 post · on the roadmap" in " ".join(page.split())
    assert 'href="/admin/statuses"' in page  # the staff bar links it for admins
    login_as(make_user("staff"))
    assert client.get("/admin/statuses").status_code == 403
    assert 'href="/admin/statuses"' not in client.get("/").get_data(as_text=True)


def test_the_search_and_the_queue_filter_by_any_status(make_post, make_user, login_as, client):
    admin = make_user("admin")
    status_service.create_status(admin, label="Triage", kind="review", color="amber", show_on_roadmap=True)
    db.session.commit()
    post = make_post(title="Invoices in euros")
    responses.change_status(admin, post, "triage")
    db.session.commit()
    found = client.get("/search?q=invoices&status=triage")
    assert found.status_code == 200
    assert "Invoices in euros" in found.get_data(as_text=True)
    assert "Invoices in euros" not in client.get("/search?q=invoices&status=planned").get_data(as_text=True)
    login_as(make_user("staff"))
    queue_page = client.get("/staff/queue?status=triage").get_data(as_text=True)
    assert '<option value="triage" selected>Triage</option>' in queue_page
    assert "Invoices in euros" in queue_page
    assert 'href="/staff/queue?view=unanswered&amp;status=triage"' in queue_page


def test_another_process_reads_the_statuses_again_once_they_changed(app, make_user):
    """Each process keeps the statuses under a version in the shared store: a process that kept them
    before a change (here: this one's copy, put back as another process would still hold it) reads
    them again, because the change replaced the version."""
    from forum import caching

    key = app.extensions["visitor_page_prefix"] + "shared:statuses"
    assert "beta" not in statuses()
    kept_elsewhere = caching._shared[key]
    admin = make_user("admin")
    status_service.create_status(admin, label="Beta", kind="active", color="teal", show_on_roadmap=True)
    db.session.commit()
    caching._shared[key] = (kept_elsewhere[0], kept_elsewhere[1])  # another process's copy, from before
    assert "beta" in statuses()
    # A rolled-back change replaces nothing.
    version = caching.cache.get(key)
    status_service.create_status(admin, label="Gamma", kind="active", color="teal", show_on_roadmap=True)
    db.session.rollback()
    assert caching.cache.get(key) == version
    assert "gamma" not in statuses()
