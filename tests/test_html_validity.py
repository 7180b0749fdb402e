"""The Nu HTML Checker (the W3C's validator, npm's vnu-jar on Debian's headless Java) over every kind of
page, as a visitor, a member, a moderator and staff see it: no errors allowed.

The pages are seeded as the browser suite's are (comments and replies, an official response, a status
history, reports, notes), and fetched with the test client; the checker runs once over all of them.
"""

import json
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

from forum import ROOT
from forum.extensions import db
from forum.models import Category, Company, CompanyMember, Event, FlagReason, Kind, Priority, Role, Status
from forum.services import comments, merges, moderation, notify, responses, votes
from forum.services.delivery import unsubscribe_token

VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"


def run_checker(files: list[Path]) -> list[dict]:
    """The checker's error messages for these files (vnu's JSON output)."""
    java = shutil.which("java")
    if java is None or not VNU_JAR.exists():
        pytest.fail("The Nu HTML Checker needs Java and node_modules/vnu-jar: `make test` installs both "
                    "(default-jre-headless from Debian, vnu-jar from npm).")  # fmt: skip
    run = subprocess.run(
        [java, "-Xss4m", "-jar", str(VNU_JAR), "--errors-only", "--format", "json", *map(str, files)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    report = json.loads(run.stderr or run.stdout)
    return [message for message in report["messages"] if message["type"] in ("error", "non-document-error")]


@pytest.fixture
def site(make_user, make_post, category):
    author = make_user(name="Ada Author")
    voter = make_user(name="Bea Voter")
    other = make_user(name="Cy Other")
    staff = make_user(Role.STAFF, name="Sam Staff")
    billing = Category(slug="billing", name="Billing", description="Invoices, plans and payment.")
    db.session.add(billing)
    db.session.flush()

    post = make_post(author, title="Dark mode for the mobile app", body="My eyes hurt at night. **Please.**")
    votes.add(voter, post)
    votes.add(other, post)
    first = comments.add_comment(voter, post, "Yes, and a *black* theme for OLED screens.")
    comments.add_comment(author, post, "Good point, thank you.", parent=first)
    comments.add_comment(other, post, "Me too: the white flashes at night are painful.")
    responses.respond(staff, post, "Thank you all: dark mode is **planned** for the spring release.", Status.PLANNED)
    moderation.add_note(staff, post, "Design has mock-ups in the shared drive.")
    shipped = make_post(author, title="Export invoices as PDF", cat=billing)
    responses.respond(staff, shipped, "Done: the export button is on every invoice.", Status.DONE)
    crash = make_post(voter, kind=Kind.COMPLAINT, title="The app crashes when I upload a photo")
    duplicate = make_post(other, kind=Kind.COMPLAINT, title="App crashes on photo upload",
                          body="Every photo upload crashes it.")  # fmt: skip
    merges.merge_posts(staff, duplicate, crash)
    spam = make_post(other, title="Cheap watches here", body="Visit my shop for cheap watches.")
    moderation.flag(voter, spam, FlagReason.SPAM, threshold=3)
    moderation.flag(author, first, FlagReason.OFF_TOPIC, threshold=3)
    notify.follow(author, shipped)
    # Who asked, as staff see it: a company behind a vote recorded on someone's behalf.
    acme = Company(external_id="acme", name="Acme", plan="Enterprise", monthly_revenue=Decimal("4200"),
                   attributes={"region": "EU", "seats": 40})  # fmt: skip
    db.session.add(acme)
    db.session.flush()
    db.session.add(CompanyMember(user_id=voter.id, company_id=acme.id))
    votes.record_on_behalf(staff, post, "caller@acme.example", priority=Priority.BLOCKER, note="Said on the phone")
    db.session.commit()
    return {
        "post": post.id, "slug": post.slug, "crash": crash.id, "duplicate": duplicate.id, "author": author,
        "staff": staff, "moderator": make_user(Role.MODERATOR, name="Mo Moderator"),
        "admin_and_import": _admin_with_companies(make_user),
        "unsubscribe": unsubscribe_token(author, Event.RESPONSE),
    }  # fmt: skip


def _admin_with_companies(make_user):
    """An admin, a company and an import waiting for its confirmation (with a refused row)."""
    from forum.services import companies

    admin = make_user(Role.ADMIN, name="Ada Admin")
    companies.record(companies.CompanyFacts("acme", "Acme Corp", "enterprise", None, {"region": "EU"}))
    csv = b"external_id,name,plan\nacme,Acme Inc,pro\nnew,New Co,\n,x,y\n"
    pending = companies.start_import(admin, "companies.csv", csv)
    db.session.commit()
    return admin, pending.id


PAGES = {
    "visitor": ["/", "/?category=billing&sort=new", "/?page=abc", "/posts/{post}-{slug}", "/posts/{crash}",
                "/posts/{duplicate}", "/roadmap", "/changelog", "/responsiveness", "/search?q=crash",
                "/search?q=", "/login", "/signup", "/reset", "/users/{author_id}", "/posts/999999",
                "/unsubscribe/{unsubscribe}", "/sso?token=not-a-token", "/api/docs"],
    "member": ["/", "/posts/{post}-{slug}", "/posts/new", "/posts/{post}/edit", "/account", "/account/notifications",
               "/notifications", "/following", "/search?q=invoice"],
    "moderator": ["/posts/{post}-{slug}", "/moderation/flags", "/users/{author_id}"],
    "staff": ["/posts/{post}-{slug}", "/posts/{crash}", "/roadmap", "/staff/queue", "/staff/queue?view=answered",
              "/staff/insights", "/staff/insights/posts/{post}", "/staff/themes", "/staff/audit", "/staff/prioritize",
              "/staff/prioritize?plan=Enterprise&sort=revenue&dir=asc"],
    "admin": ["/admin/sign-in", "/admin/companies", "/admin/companies/import", "/admin/companies/import/{import_id}",
              "/admin/api-keys"],
}  # fmt: skip


def test_every_kind_of_page_passes_the_nu_html_checker(site, client, login_as, send, tmp_path):
    values = {"post": site["post"], "slug": site["slug"], "crash": site["crash"], "duplicate": site["duplicate"],
              "author_id": site["author"].id, "unsubscribe": site["unsubscribe"],
              "import_id": site["admin_and_import"][1]}  # fmt: skip
    files: dict[Path, str] = {}
    for who, paths in PAGES.items():
        if who == "member":
            login_as(site["author"])
        elif who in ("moderator", "staff", "admin"):
            login_as(site[who])
        elif who == "admin":
            login_as(site["admin_and_import"][0])
        for path in paths:
            url = path.format(**values)
            response = client.get(url, follow_redirects=True)
            assert response.mimetype == "text/html", url
            assert response.status_code != 404 or url.startswith(("/posts/999999", "/sso")), url
            file = tmp_path / f"{len(files):02d}-{who}.html"
            file.write_bytes(response.data)
            files[file] = f"{who} {url}"
    # The states people meet when something goes wrong: a form sent back with its errors.
    login_as(site["author"])
    for url, data in (("/posts", {"title": "", "body": ""}), (f"/posts/{site['post']}/comments", {"body": ""})):
        file = tmp_path / f"{len(files):02d}-member-errors.html"
        file.write_bytes(send(url, data).data)
        files[file] = f"member POST {url} with errors"
    login_as(site["staff"])
    for data in ({"email": "er", "priority": "nice"}, {"email": "bob@", "priority": "nice"}):
        url = f"/posts/{site['post']}/votes/on-behalf"
        file = tmp_path / f"{len(files):02d}-staff-errors.html"
        file.write_bytes(send(url, data).data)
        files[file] = f"staff POST {url} with {data}"

    errors = run_checker(list(files))
    described = [f"{files[Path(e['url'].removeprefix('file:'))]}: line {e.get('lastLine')}: {e['message']}"
                 f"  [{e.get('extract', '').strip()}]" for e in errors]  # fmt: skip
    assert not described, f"{len(described)} errors:\n" + "\n".join(described)


def test_the_checker_catches_an_error(tmp_path):
    """The harness itself: a broken page must fail, or a passing run proves nothing."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="en"><title>x</title><p id="a"></p><p id="a"></p>')
    assert [e["message"] for e in run_checker([page])] == ["Duplicate ID “a”."]
