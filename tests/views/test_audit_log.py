"""The audit log in sentences: who did what to which post or comment, with links; what the system
did on its own and why; every decision on reports; filters by name, action and date."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from forum.extensions import db
from forum.models import AuditEntry, FlagReason, Role, Status, utcnow
from forum.services import audit, comments, merges, moderation, responses

COMMENT = "Totally agree, the white screen at night is blinding me every single time."


def sentences(html: str) -> list[str]:
    """The log's entries as a reader sees them: text without tags, one string per entry."""
    items = re.findall(r'<li class="audit-entry[^"]*">(.*?)</li>', html, re.S)
    return [
        " ".join(re.sub(r"<[^>]+>", "", item).replace("&#34;", '"').replace("&#39;", "'").split()) for item in items
    ]


@pytest.fixture
def scene(make_user, make_post):
    mia = make_user(Role.MODERATOR, name="Mia")
    post = make_post(title="Dark mode")
    comment = comments.add_comment(make_user(name="Cy"), post, COMMENT)
    reporters = [make_user(name=f"Reporter {i}") for i in range(3)]
    db.session.commit()
    return mia, post, comment, reporters


def test_a_moderator_decision_reads_as_a_sentence_with_links(scene, login_as, client, make_user):
    mia, post, comment, reporters = scene
    for reporter, reason in zip(reporters, (FlagReason.SPAM, FlagReason.SPAM, FlagReason.ABUSE), strict=True):
        moderation.flag(reporter, comment, reason, threshold=99)
    moderation.decide(mia, comment, "hide")
    db.session.commit()

    login_as(make_user(Role.STAFF))
    html = client.get("/staff/audit").get_data(as_text=True)
    [line] = sentences(html)
    assert line.endswith("Mia (moderator) hid the comment “Totally agree, the white screen at night…” "
                         "on “Dark mode”, 3 reports (2 spam, 1 abuse).")  # fmt: skip
    assert f'href="/users/{mia.id}"' in html
    assert f'href="/posts/{post.id}#comment-{comment.id}"' in html
    assert f'href="/posts/{post.id}"' in html
    assert "{" not in line  # no raw JSON


def test_the_automatic_hide_is_the_systems_and_says_why(scene, login_as, client, make_user):
    mia, _, comment, reporters = scene
    for reporter in reporters:
        moderation.flag(reporter, comment, FlagReason.SPAM, threshold=3)
    db.session.commit()
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert entry.actor_id is None and entry.action == "hide_by_flags"
    assert entry.after["reports"] == 3

    moderation.decide(mia, comment, "keep")
    db.session.commit()
    login_as(make_user(Role.STAFF))
    lines = sentences(client.get("/staff/audit").get_data(as_text=True))
    assert lines[0].endswith("Mia (moderator) unhid the comment “Totally agree, the white screen at night…” "
                             "on “Dark mode”, 3 reports (3 spam).")  # fmt: skip
    assert lines[1].endswith("The system hid the comment “Totally agree, the white screen at night…” "
                             "on “Dark mode”, after 3 reports (3 spam).")  # fmt: skip
    assert "Reporter" not in " ".join(lines)  # the third reporter is not credited with the hide


def test_every_decision_on_reports_is_logged_even_one_that_changes_nothing(scene, make_user):
    mia, post, _, reporters = scene
    moderation.flag(reporters[0], post, FlagReason.OFF_TOPIC, threshold=99)
    moderation.decide(mia, post, "keep")
    db.session.commit()
    [entry] = db.session.scalars(select(AuditEntry)).all()
    assert (entry.actor_id, entry.action, entry.target_id) == (mia.id, "keep", post.id)
    assert entry.after == {"decision": "keep", "reports": 1, "reasons": {"off_topic": 1}}
    [line] = [s.text for s in audit.sentences([entry])]
    assert line == "Mia (moderator) kept “Dark mode”, 1 report (1 off-topic)"


def test_staff_actions_read_as_sentences(make_user, make_post, login_as, client):
    sam = make_user(Role.STAFF, name="Sam")
    original, duplicate = make_post(title="Export to Excel"), make_post(title="CSV download")
    responses.respond(sam, original, "Planned for spring.", Status.PLANNED)
    responses.change_status(sam, original, Status.IN_PROGRESS)
    merges.merge_posts(sam, duplicate, original)
    db.session.commit()
    login_as(sam)
    lines = sentences(client.get("/staff/audit").get_data(as_text=True))
    assert lines[0].endswith(
        "Sam (staff) merged “CSV download” into “Export to Excel”, 1 vote moved, 0 voters counted once."
    )
    assert lines[1].endswith("Sam (staff) moved “Export to Excel” from Planned to In progress.")
    assert lines[2].endswith("Sam (staff) answered officially on “Export to Excel”, moving it from Open to Planned.")


def test_filters_by_name_action_and_date(scene, login_as, client, make_user):
    mia, post, comment, reporters = scene
    for reporter in reporters:
        moderation.flag(reporter, comment, FlagReason.SPAM, threshold=3)
    moderation.toggle_post(mia, post, "lock")
    bob = make_user(Role.MODERATOR, name="Bob")
    moderation.toggle_post(bob, post, "pin")
    old = AuditEntry(actor_id=bob.id, action="unpin", target_type="post", target_id=post.id,
                     created_at=utcnow() - timedelta(days=40))  # fmt: skip
    db.session.add(old)
    db.session.commit()
    login_as(make_user(Role.STAFF))

    page = client.get("/staff/audit").get_data(as_text=True)
    assert "Member number" not in page and 'name="actor"' in page and 'type="date"' in page

    def lines(query):
        reply = client.get("/staff/audit?" + query)
        assert reply.status_code == 200, query
        return sentences(reply.get_data(as_text=True))

    [mias] = lines("actor=mi")
    assert mias.endswith(" Mia (moderator) locked “Dark mode”.")
    assert all("The system" in line for line in lines("actor=System")) and len(lines("actor=system")) == 1
    assert len(lines("action=pin")) == 1 and "Bob (moderator) pinned" in lines("action=pin")[0]
    assert len(lines("action=hide_by_flags")) == 1
    today = utcnow().date().isoformat()
    assert len(lines(f"from={today}")) == 3
    assert len(lines(f"to={(utcnow() - timedelta(days=30)).date().isoformat()}")) == 1
    assert lines("actor=nobody+by+that+name") == []
    assert lines("actor=100%25") == []  # LIKE's wildcards are plain text here
    assert client.get("/staff/audit?from=yesterday").status_code == 400
    assert "year-month-day" in client.get("/staff/audit?from=2026-13-45").get_data(as_text=True)
