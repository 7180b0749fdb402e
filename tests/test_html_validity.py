"""The Nu HTML Checker (the W3C's validator, npm's vnu-jar on Debian's headless Java) over every kind of
page, as a visitor, a member, a moderator and staff see it: no errors allowed.

The pages are seeded as the browser suite's are (comments and replies, an official response, a status
history, reports, notes), and fetched with the test client; the checker runs once over all of them.
"""

import json
import shutil
import subprocess
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from forum import ROOT
from forum.extensions import db
from forum.models import Category, Company, CompanyMember, Event, FlagReason, Kind, Priority, Role, Status, utcnow
from forum.services import comments, merges, moderation, notify, releases, responses, tags, votes
from forum.services.delivery import unsubscribe_token
from tests.webhooks.conftest import seed_endpoint

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
    reply = comments.add_comment(author, post, "Good point, thank you.", parent=first)
    comments.edit_comment(author, reply, post, "Good point, thank you: **OLED** black.")
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
    tags.set_tags(staff, post, ["Design", "Mobile app"])
    note = releases.publish(staff, title="Spring release", body="Invoices export as **PDF**.",
                            post_ids=[shipped.id], released_at=utcnow())  # fmt: skip
    db.session.commit()
    return {
        "post": post.id, "slug": post.slug, "crash": crash.id, "reply": reply.id, "duplicate": duplicate.id,
        "author": author,
        "staff": staff, "moderator": make_user(Role.MODERATOR, name="Mo Moderator"),
        "admin_and_import": _admin_with_companies(make_user),
        "note": note.id,
        "unsubscribe": unsubscribe_token(author, Event.RESPONSE),
        "webhook": seed_endpoint(post.id),
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
               "/notifications", "/following", "/search?q=invoice", "/comments/{reply}/edit"],
    "moderator": ["/posts/{post}-{slug}", "/moderation/flags", "/users/{author_id}"],
    "staff": ["/posts/{post}-{slug}", "/posts/{crash}", "/roadmap", "/staff/queue", "/staff/queue?view=answered",
              "/staff/insights", "/staff/insights/posts/{post}", "/staff/themes", "/staff/audit", "/staff/prioritize",
              "/staff/prioritize?plan=Enterprise&sort=revenue&dir=asc", "/changelog",
              "/changelog/new", "/changelog/{note}", "/?tag=design", "/roadmap?tag=design",
              "/staff/insights?tag=design", "/account",
              "/staff/audit?actor=sam&action=respond&from=2026-01-01", "/posts/{post}/merge?into=crash",
              "/posts/{post}/merge?into={crash}", "/posts/{post}/merge?into=9999999",
              "/comments/{comment}/revisions"],
    "admin": ["/admin/sign-in", "/admin/companies", "/admin/companies/import", "/admin/companies/import/{import_id}",
              "/admin/api-keys",
              "/admin/webhooks", "/admin/webhooks/{webhook}", "/admin/statuses"],
}  # fmt: skip


def test_every_kind_of_page_passes_the_nu_html_checker(site, client, login_as, send, tmp_path):
    values = {"post": site["post"], "slug": site["slug"], "crash": site["crash"], "duplicate": site["duplicate"],
              "author_id": site["author"].id, "unsubscribe": site["unsubscribe"],
              "import_id": site["admin_and_import"][1], "webhook": site["webhook"],
              "note": site["note"], "reply": site["reply"], "comment": site["reply"]}  # fmt: skip
    files: dict[Path, str] = {}
    for who, paths in PAGES.items():
        if who == "member":
            login_as(site["author"])
        elif who in ("moderator", "staff"):
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

    login_as(site["admin_and_import"][0])
    file = tmp_path / f"{len(files):02d}-admin-errors.html"
    file.write_bytes(send("/admin/webhooks", {"url": "ftp://x", "type": "standard"}).data)
    files[file] = "admin POST /admin/webhooks with errors"
    file = tmp_path / f"{len(files):02d}-admin-secret.html"
    file.write_bytes(send(f"/admin/webhooks/{site['webhook']}/rotate", {"grace_hours": "24"}).data)
    files[file] = "admin POST /admin/webhooks/<id>/rotate: the secret page"

    login_as(site["admin_and_import"][0])
    for url, data in (
        (f"/posts/{site['post']}/tags", {"tags": "x" * 41}),
        ("/admin/statuses", {"label": ""}),
        ("/changelog/new", {"title": "", "body": "", "posts": "x"}),
    ):
        file = tmp_path / f"{len(files):02d}-admin-errors.html"
        file.write_bytes(send(url, data).data)
        files[file] = f"admin POST {url} with errors"

    errors = run_checker(list(files))
    described = [f"{files[Path(e['url'].removeprefix('file:'))]}: line {e.get('lastLine')}: {e['message']}"
                 f"  [{e.get('extract', '').strip()}]" for e in errors]  # fmt: skip
    assert not described, f"{len(described)} errors:\n" + "\n".join(described)


def test_the_checker_catches_an_error(tmp_path):
    """The harness itself: a broken page must fail, or a passing run proves nothing."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html lang="en"><title>x</title><p id="a"></p><p id="a"></p>')
    assert [e["message"] for e in run_checker([page])] == ["Duplicate ID “a”."]


class _Labels(HTMLParser):
    """Every id of a page, and every label's `for` with the form each sits in."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.form_of: dict[str, int | None] = {}
        self.labels: list[tuple[str, int | None, str]] = []
        self._forms = 0
        self._form: int | None = None
        self._label: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._forms += 1
            self._form = self._forms
        if "id" in attrs:
            self.ids.append(attrs["id"])
            self.form_of[attrs["id"]] = self._form
        if tag == "label" and attrs.get("for"):
            self._label = [attrs["for"], self._form, ""]

    def handle_data(self, data):
        if self._label is not None:
            self._label[2] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        if tag == "label" and self._label is not None:
            self.labels.append((self._label[0], self._label[1], " ".join(self._label[2].split())))
            self._label = None


@pytest.mark.parametrize(("who", "path"), [("staff", "/posts/{post}-{slug}"), ("member", "/account"),
                                           ("staff", "/account"), ("member", "/posts/{post}-{slug}")])  # fmt: skip
def test_no_duplicate_ids_and_every_label_names_a_field_of_its_own_form(site, client, login_as, who, path):
    """The staff post page and /account once had two `csrf_token`, `status`, `body` and
    `current_password` ids: "Your comment" and "Internal note" then pointed at the official answer's box."""
    login_as(site["author"] if who == "member" else site[who])
    html = client.get(path.format(post=site["post"], slug=site["slug"])).get_data(as_text=True)
    page = _Labels()
    page.feed(html)
    duplicates = sorted({i for i in page.ids if page.ids.count(i) > 1})
    assert duplicates == [], f"duplicate ids on {path}: {duplicates}"
    assert page.labels, "the page has labelled fields"
    for target, form, text in page.labels:
        assert target in page.form_of, f"label “{text}” points at a missing id {target!r}"
        assert page.form_of[target] == form, f"label “{text}” points at {target!r} in another form"
    if who == "staff" and path.startswith("/posts"):
        texts = {text.split(" (")[0]: target for target, _, text in page.labels}
        assert {texts["Your comment"], texts["Internal note"], texts["Official response"]} == {
            "body",
            "note-body",
            "response-body",
        }


def test_the_label_check_sees_a_label_pointing_into_another_form():
    page = _Labels()
    page.feed('<form><label for="body">Your comment</label></form><form><textarea id="body"></textarea></form>'
              '<form><textarea id="body"></textarea></form>')  # fmt: skip
    assert page.ids.count("body") == 2
    [(target, form, text)] = page.labels
    assert (target, text) == ("body", "Your comment") and page.form_of[target] != form
