"""Faults survived with nothing committed lost, each bounded in time: a gunicorn worker killed while
votes and comments arrive, and Redis stopped while people read and write. The Redis here is the
cluster's own (tests/cluster/conftest.py); the machine's shared servers are never stopped."""

import os
import re
import signal
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from email import message_from_bytes, policy

from tests.cluster.conftest import Browser, start_redis, wait_until
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
