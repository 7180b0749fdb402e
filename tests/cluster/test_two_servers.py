"""Two app servers behind nginx agree at once: what one server writes, the other shows, counts, finds,
limits and signs out. nginx alternates between them (round robin, one nginx worker, one client at a
time), and each step checks, by the X-Upstream header, that the two requests it compares went to
different servers."""

import re
import time
from email import message_from_bytes, policy

import pytest

from tests.cluster.conftest import Browser, wait_until
from tests.conftest import PASSWORD

# One member per test: abuse limits count per account, and the tests share the servers.
_members = iter(range(1, 1000))


@pytest.fixture
def member(cluster):
    email = f"member{next(_members)}@example.com"
    cluster.flask("user", "create", email, "--password", PASSWORD, "--role", "member")
    return email


@pytest.fixture(scope="module")
def category(cluster):
    cluster.python(
        "from forum.models import Category\n"
        "db.session.add(Category(slug='billing', name='Billing', description='Invoices and plans.'))\n"
        "db.session.commit()"
    )
    return "billing"


def publish(browser: Browser, title: str, category: str) -> str:
    """The new post's address."""
    browser.get("/posts/new")
    made = browser.post("/posts", {"title": title, "body": "It happens every time.", "kind": "complaint",
                                   "category": category})  # fmt: skip
    assert made.status == 303, made.text[:500]
    return made.headers["Location"]


def other(first: str, answer) -> None:
    assert answer.served_by and answer.served_by != first, (first, answer.served_by)


def votes_shown(page: str) -> int:
    return int(re.search(r'<span class="vote-count">(\d+)</span>', page).group(1))


def test_a_vote_on_one_server_is_on_the_other_at_once_visitor_pages_included(cluster, member, category):
    author = Browser(cluster.url)
    assert author.sign_in(member).status == 303
    page = publish(author, "Invoices arrive twice", category)
    post_id = int(re.search(r"/posts/(\d+)", page).group(1))
    visitor = Browser(cluster.url)
    for _ in range(4):  # both servers render the visitor's page, and keep it
        assert votes_shown(visitor.get(page).text) == 1  # the author's own vote

    voter = Browser(cluster.url)
    voter.sign_in("staff@example.com")
    voter.get(f"/posts/{post_id}")
    voted = voter.post(f"/posts/{post_id}/vote", headers={"Accept": "application/json"})
    assert voted.json() == {"votes": 2, "voted": True}
    pages = [visitor.get(page), visitor.get(page)]
    assert {page.served_by for page in pages} == set(cluster.upstreams())
    assert [votes_shown(page.text) for page in pages] == [2, 2]
    listed = [visitor.get("/?sort=new"), visitor.get("/?sort=new")]
    assert {page.served_by for page in listed} == set(cluster.upstreams())
    assert all(votes_shown(page.text.split("Invoices arrive twice")[0].rsplit("<li", 1)[1]) == 2 for page in listed)


def test_a_post_made_on_one_server_is_found_by_search_on_the_other(cluster, member, category):
    author = Browser(cluster.url)
    author.sign_in(member)
    author.get("/posts/new")
    made = author.post("/posts", {"title": "Quarterly statements omit refunds", "body": "Refunds are missing.",
                                  "kind": "complaint", "category": category})  # fmt: skip
    assert made.status == 303
    found = author.get("/search?q=statements+refunds")
    other(made.served_by, found)
    assert "Quarterly statements omit refunds" in found.text


def test_a_session_works_on_both_and_a_sign_out_on_one_ends_it_on_both(cluster, member):
    phone = Browser(cluster.url)
    signed_in = phone.sign_in(member)
    assert signed_in.status == 303
    pages = [phone.get("/notifications"), phone.get("/notifications")]
    assert {page.served_by for page in pages} == set(cluster.upstreams()), "both servers served the member"
    assert all(page.status == 200 and "Sign out" in page.text for page in pages)

    laptop = Browser(cluster.url)  # the same session, copied: a second tab, or a stolen cookie
    laptop.jar.set_cookie(next(c for c in phone.jar if c.name == "session"))
    assert laptop.get("/notifications").status == 200
    out = phone.post("/logout")
    assert out.status == 303
    for _ in range(2):
        page = laptop.get("/notifications")
        assert page.status == 302 and "/login" in page.headers["Location"], (page.status, page.served_by)


def test_abuse_limits_are_counted_once_across_servers(cluster, member):
    guesser = Browser(cluster.url)
    guesser.get("/login")
    servers = set()
    for _ in range(10):  # the per-account limit on sign-in: 10 per 15 minutes
        wrong = guesser.post("/login", {"email": member, "password": "not the password"})
        assert wrong.status in (200, 422), wrong.status
        servers.add(wrong.served_by)
    assert len(servers) == 2
    for _ in range(2):  # the 11th try is refused on whichever server it reaches
        refused = guesser.post("/login", {"email": member, "password": PASSWORD})
        assert refused.status == 429
        assert "Try again in" in refused.text


def test_an_official_response_emails_each_follower_exactly_once(cluster, member, category):
    author = Browser(cluster.url)
    author.sign_in(member)
    page = publish(author, "Card declined on renewal", category)
    post_id = int(re.search(r"/posts/(\d+)", page).group(1))
    staff = Browser(cluster.url)
    staff.sign_in("staff@example.com")
    staff.get(f"/posts/{post_id}")
    answered = staff.post(f"/posts/{post_id}/response", {"body": "Fixed in today's release.", "status": "planned"})
    assert answered.status == 303, answered.text[:500]

    outbox = cluster.folder / "worker" / "outbox"

    def delivered():
        found = []
        for path in outbox.glob("*.eml"):
            message = message_from_bytes(path.read_bytes(), policy=policy.default)
            if message["To"] == member and "Card declined on renewal" in message["Subject"]:
                found.append(message)
        return found

    wait_until(delivered, 30, "the RQ worker to deliver the email")
    time.sleep(1.5)  # a second delivery, if there were one, would have come by now
    assert len(delivered()) == 1
    assert cluster.sql(f"SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL AND user_id = "
                       f"(SELECT id FROM users WHERE email = '{member}')") == 0  # fmt: skip


def test_each_server_reports_its_workers_together_and_only_to_allowed_addresses(cluster):
    for name in cluster.servers:
        metrics = cluster.direct(name, "/metrics")
        assert metrics.status == 200
        assert 'forum_requests_total{endpoint="healthz",method="GET",status="200"}' in metrics.text
        assert "forum_outbox_pending" in metrics.text
    assert Browser(cluster.url).get("/metrics").status == 404  # nginx keeps it from the public
    assert Browser(cluster.url).get("/readyz").status == 404
    ready = cluster.direct("a", "/readyz")
    assert ready.json()["checks"] == {"database": "ok", "redis": "ok", "search": "ok"}
