"""Faults survived with nothing committed lost, each bounded in time: a gunicorn worker killed while
votes and comments arrive, Redis stopped while people read and write, PostgreSQL restarted under
load, and the RQ worker killed mid-delivery. The Redis here is the
cluster's own (tests/cluster/conftest.py); the machine's shared servers are never stopped."""

import asyncio
import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy
from urllib.parse import urlsplit

from tests.cluster.conftest import Answer, Browser, OwnPostgres, build, free_port, new_database, start_redis, wait_until
from tests.conftest import PASSWORD


def make_people(cluster, prefix: str, count: int) -> tuple[list[str], int]:
    """`count` members and one post by the first of them, made on a host as a script would."""
    printed = cluster.python(
        "from forum.models import Category, Kind, Role\n"
        "from forum.services import accounts, posts\n"
        f"category = Category(slug='{prefix}', name='{prefix.title()}', description='')\n"
        "db.session.add(category)\n"
        f"people = [accounts.create_user(f'{prefix}{{n}}@example.com', '{PASSWORD}', f'{prefix} {{n}}', Role.MEMBER)"
        f" for n in range({count})]\n"
        "db.session.flush()\n"
        f"post = posts.create_post(people[0], kind=Kind.COMPLAINT, title='{prefix.title()} page times out',"
        " body='Every morning.', category=category)\n"
        "db.session.commit()\n"
        "print(post.id)"
    )
    return [f"{prefix}{n}@example.com" for n in range(count)], int(printed.split()[-1])


def test_a_worker_killed_while_votes_and_comments_arrive_loses_nothing_it_answered(cluster):
    emails, post_id = make_people(cluster, "killed", 24)
    browsers = [Browser(cluster.url) for _ in emails]
    with ThreadPoolExecutor(8) as pool:
        assert all(a.status == 303 for a in pool.map(lambda b, e: b.sign_in(e), browsers, emails))
        list(pool.map(lambda b: b.post("/posts/new") if b.token is None else None, browsers))
    before = {name: cluster.workers_of(name) for name in cluster.servers}

    def act(n: int):
        browser = browsers[n]
        vote = browser.post(f"/posts/{post_id}/vote", headers={"Accept": "application/json"})
        comment = browser.post(f"/posts/{post_id}/comments", {"body": f"Same here, from desk {n}."})
        return n, vote, comment

    def killer():
        for name in ("a", "b", "a"):
            time.sleep(0.15)
            os.kill(cluster.workers_of(name)[0], signal.SIGKILL)

    kills = threading.Thread(target=killer)
    started = time.monotonic()
    with ThreadPoolExecutor(12) as pool:
        kills.start()
        answers = list(pool.map(act, range(1, len(browsers))))
    kills.join()
    assert time.monotonic() - started < 60

    statuses = sorted({a.status for _, v, c in answers for a in (v, c)})
    assert set(statuses) <= {200, 303, 502, 503}, statuses  # never a 500
    voted = {emails[n] for n, vote, _ in answers if vote.status == 200 and vote.json()["voted"]}
    commented = {f"Same here, from desk {n}." for n, _, comment in answers if comment.status == 303}
    in_db_votes = set(cluster.rows(f"SELECT u.email FROM votes v JOIN users u ON u.id = v.user_id "
                                   f"WHERE v.post_id = {post_id}"))  # fmt: skip
    in_db_comments = set(cluster.rows(f"SELECT body FROM comments WHERE post_id = {post_id}"))
    assert voted <= in_db_votes
    assert commented <= in_db_comments
    counts = cluster.rows(f"SELECT vote_count, comment_count FROM posts WHERE id = {post_id}", whole=True)[0]
    assert counts == (len(in_db_votes), len(in_db_comments))
    assert "0 differences fixed" in cluster.flask("recount")
    # gunicorn replaced the killed workers, and both servers serve.
    wait_until(lambda: all(len(cluster.workers_of(n)) == len(before[n]) for n in before), 30, "new workers")
    assert all(set(cluster.workers_of(n)) != set(before[n]) for n in before)
    assert all(cluster.direct(n, "/healthz").status == 200 for n in before)
    failed = sum(a.status >= 500 for _, v, c in answers for a in (v, c))
    print(
        f"\nSIGKILL: {failed} of {2 * len(answers)} answers failed ({statuses}); "
        f"votes answered {len(voted)}, in the database {len(in_db_votes)}; "
        f"comments answered {len(commented)}, in the database {len(in_db_comments)}"
    )


def test_with_redis_stopped_pages_and_writes_go_on_and_emails_leave_once_it_is_back(cluster):
    emails, post_id = make_people(cluster, "redisless", 2)
    author, voter = Browser(cluster.url), Browser(cluster.url)
    author.sign_in(emails[0])
    voter.sign_in(emails[1])
    staff = Browser(cluster.url)
    staff.sign_in("staff@example.com")
    staff.get(f"/posts/{post_id}")
    visitor = Browser(cluster.url)

    redis = cluster.others["redis"]
    redis.stop()
    try:
        started = time.monotonic()
        pages = [visitor.get("/"), visitor.get("/")]
        assert [p.status for p in pages] == [200, 200]
        assert {p.served_by for p in pages} == set(cluster.upstreams())
        vote = voter.post(f"/posts/{post_id}/vote", headers={"Accept": "application/json"})
        assert vote.status == 200 and vote.json() == {"votes": 2, "voted": True}
        answered = staff.post(f"/posts/{post_id}/response", {"body": "Looking into it.", "status": "under_review"})
        assert answered.status == 303
        author.get("/posts/new")
        made = author.post("/posts", {"title": "Exports without Redis", "body": "Still works?", "kind": "idea",
                                      "category": "redisless"})  # fmt: skip
        assert made.status == 303
        assert time.monotonic() - started < 20  # nothing waited long on the missing Redis
        waiting = "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL"
        assert cluster.rows(waiting)[0] >= 2  # the author's and the voter's emails wait in the table
    finally:
        cluster.others["redis"], _ = start_redis(cluster.folder, cluster.redis_port)

    worker = cluster.others["worker"]
    if worker.popen.poll() is not None:  # as systemd's Restart=always would
        cluster.start_worker()
    outbox = cluster.folder / "worker" / "outbox"

    def delivered(email):
        return [
            path
            for path in outbox.glob("*.eml")
            if (m := message_from_bytes(path.read_bytes(), policy=policy.default))["To"] == email
            and "Redisless page times out" in m["Subject"]
        ]

    wait_until(lambda: delivered(emails[0]) and delivered(emails[1]), 30, "the emails once Redis is back")
    time.sleep(1.5)
    assert [len(delivered(e)) for e in emails] == [1, 1]
    assert re.search(r"Looking into it", delivered(emails[1])[0].read_text())


def test_postgresql_restarted_under_load_gives_a_try_again_page_then_serves_again(tmp_path_factory):
    """The database stops for a few seconds while people read and vote: each request in that window
    gets the 503 page that says to try again (never a 500, never a hang), and the same app servers
    serve again within seconds of the database's return."""
    folder = tmp_path_factory.mktemp("restart")
    postgres = OwnPostgres().init()
    cluster = None
    try:
        database = new_database(postgres.url)
        cluster = build(folder, database, worker=False)
        emails, post_id = make_people(cluster, "restart", 8)
        browsers = [Browser(cluster.url) for _ in emails]
        for browser, email in zip(browsers, emails, strict=True):
            assert browser.sign_in(email).status == 303
        page = urlsplit(browsers[0].get(f"/posts/{post_id}").headers["Location"]).path  # its address with the title
        masters = {name: server.popen.pid for name, server in cluster.servers.items()}

        answers: list[tuple[float, str, Answer]] = []
        stop = threading.Event()

        def load(browser: Browser):
            while not stop.is_set():
                answers.append((time.monotonic(), "page", browser.get(page)))
                vote = browser.post(f"/posts/{post_id}/vote", headers={"Accept": "application/json"})
                answers.append((time.monotonic(), "vote", vote))

        threads = [threading.Thread(target=load, args=(b,)) for b in browsers]
        for thread in threads:
            thread.start()
        time.sleep(1)
        down_at = time.monotonic()
        postgres.stop()
        time.sleep(3)
        postgres.start()
        up_at = time.monotonic()
        back = wait_until(lambda: any(t > up_at and a.status == 200 for t, _, a in answers[-20:]), 15,
                          "a page served after the database came back")  # fmt: skip
        recovered_in = min(t for t, _, a in answers if t > up_at and a.status == 200) - up_at
        time.sleep(1)
        stop.set()
        for thread in threads:
            thread.join(30)
        assert back and recovered_in < 10

        statuses = sorted({a.status for _, _, a in answers})
        assert set(statuses) <= {200, 503}, statuses  # never a 500, never nginx's own 502
        during = [(kind, a) for t, kind, a in answers if down_at < t < up_at]
        assert any(a.status == 503 for _, a in during), "no request met the stopped database"
        for kind, answer in (x for x in during if x[1].status == 503):
            # 5 from the app, or later when Flask-Limiter's window ends later (it keeps the larger).
            assert 5 <= int(answer.headers["Retry-After"]) <= 60
            if kind == "page":
                assert "try again" in answer.text.lower()
        # Served again by the same app servers: nothing restarted them.
        assert {name: server.popen.pid for name, server in cluster.servers.items()} == masters
        assert all(server.popen.poll() is None for server in cluster.servers.values())
        assert "0 differences fixed" in cluster.flask("recount")
        print(f"\nPostgreSQL restart: {sum(a.status == 503 for _, _, a in answers)} answers were 503 "
              f"of {len(answers)}; served again {recovered_in:.1f} s after the database was back")  # fmt: skip
    finally:
        if cluster is not None:
            cluster.stop()
        postgres.remove()


def test_the_worker_killed_mid_delivery_sends_each_email_once(cluster, tmp_path):
    """SIGKILL to the RQ worker while it sends a notification to many people through a real SMTP
    server: once a new worker runs, everybody has the email, and nobody two different ones (a
    message sent but not marked before the kill is sent again under its same Message-ID, which
    receivers drop)."""
    from aiosmtpd.controller import Controller

    received: list[tuple[str, str]] = []

    class SlowInbox:
        async def handle_DATA(self, server, session, envelope):
            await asyncio.sleep(0.05)  # a real relay's pace, so the kill lands mid-run
            message = message_from_bytes(envelope.content, policy=policy.default)
            received.extend((to, message["Message-ID"]) for to in envelope.rcpt_tos)
            return "250 OK"

    emails, post_id = make_people(cluster, "inbox", 40)
    smtp = Controller(SlowInbox(), hostname="127.0.0.1", port=free_port())
    smtp.start()
    mail = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": str(smtp.port), "MAIL_USE_TLS": "0",
            "OUTBOX_STALE_CLAIM_SECONDS": "3"}  # fmt: skip
    try:
        cluster.others["worker"].stop()
        cluster.python(
            "from forum.models import Post, User\n"
            "from forum.services import responses, votes\n"
            f"post = db.session.get(Post, {post_id})\n"
            f"for email in {emails[1:]!r}:\n"
            "    votes.add(db.session.scalar(db.select(User).where(User.email == email)), post)\n"
            "db.session.commit()\n"
            "staff = db.session.scalar(db.select(User).where(User.email == 'staff@example.com'))\n"
            "responses.respond(staff, post, 'Fixed in the next release, thank you all.')\n"
            "db.session.commit()"
        )
        recipients = set(cluster.rows(
            "SELECT u.email FROM outbox_messages m JOIN users u ON u.id = m.user_id WHERE m.sent_at IS NULL"
        ))  # fmt: skip
        assert len(recipients) >= 39
        worker = cluster.start_worker(**mail)
        wait_until(lambda: len(received) >= 5, 60, "the first emails")
        os.killpg(worker.popen.pid, signal.SIGKILL)
        worker.popen.wait(10)
        at_kill = len(received)
        assert at_kill < len(recipients), "the worker finished before the kill"

        cluster.start_worker(**mail)
        wait_until(lambda: {to for to, _ in received} >= recipients, 90, "every recipient's email")
        wait_until(lambda: cluster.sql("SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL") == 0, 30,
                   "the outbox marked sent")  # fmt: skip
        time.sleep(1)
        per_person: dict[str, set[str]] = {}
        for to, message_id in received:
            per_person.setdefault(to, set()).add(message_id)
        assert set(per_person) == recipients
        assert all(len(ids) == 1 for ids in per_person.values()), "someone got two different emails"
        repeats = len(received) - len(recipients)
        assert repeats <= 1  # at most the one message in flight at the kill, under its same Message-ID
        print(f"\nWorker killed after {at_kill} of {len(recipients)} emails; all delivered, {repeats} repeated")
    finally:
        smtp.stop()
        cluster.others["worker"].stop()
        cluster.start_worker()  # as the other tests expect it: writing to its outbox folder
