"""How long the staff request takes that answers a post with 10,000 voters, and how long its emails take.

    .venv/bin/python bench/notify_fanout.py                                  # SQLite, 10,000 voters
    .venv/bin/python bench/notify_fanout.py --voters 10000 \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/notify_bench

Builds a fresh database with the migrations, one post with N voters (who all follow it, as voting
does), then a staff member answers it officially with a status change through the real HTTP route
(`POST /posts/<id>/response`, CSRF and all, via the test client). The request writes N notifications
and N outbox rows in its transaction; delivery is left to `deliver_pending()` (what the thread or the
RQ worker runs), timed until the outbox is empty, with the emails written as files.
"""

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--voters", type=int, default=10000)
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a PostgreSQL URL")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from forum import create_app
    from forum.extensions import db
    from forum.models import Category, Follow, Kind, OutboxMessage, Role, User, Vote, utcnow
    from forum.services import accounts, delivery, posts

    work = Path(tempfile.mkdtemp(prefix="notify-bench-"))
    url = "sqlite:///" + str(work / "forum.db") if args.database == "sqlite" else args.database
    if url.startswith("postgresql"):
        import psycopg

        base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False, "DELIVERY": "manual",
        "MAIL_OUTBOX": str(work / "outbox"), "SEARCH_INDEX_DIR": str(work / "index"),
        "PASSWORD_HASH_METHOD": "scrypt:1024:8:1",
    })  # fmt: skip
    with app.app_context():
        upgrade()
        category = Category(slug="general", name="General")
        db.session.add(category)
        staff = accounts.create_user("staff@example.com", "bench password", "Sam", Role.STAFF)
        author = accounts.create_user("author@example.com", "bench password", "Ana")
        post = posts.create_post(author, kind=Kind.IDEA, title="Export to CSV", body="Please.", category=category)
        db.session.commit()
        now = utcnow()
        db.session.execute(
            User.__table__.insert(),
            [{"email": f"v{n}@example.com", "display_name": f"Voter {n}", "password_hash": "x", "role": "member",
              "created_at": now, "session_version": 1} for n in range(args.voters)],
        )  # fmt: skip
        ids = db.session.scalars(select(User.id).where(User.email.like("v%@example.com"))).all()
        db.session.execute(
            Vote.__table__.insert(), [{"user_id": i, "post_id": post.id, "created_at": now} for i in ids]
        )
        follows = [{"user_id": i, "post_id": post.id, "active": True, "created_at": now} for i in ids]
        db.session.execute(Follow.__table__.insert(), follows)
        db.session.commit()
        post_id, staff_id = post.id, staff.get_id()

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = staff_id
    page = client.get(f"/posts/{post_id}", follow_redirects=True).get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
    started = time.perf_counter()
    answer = {"body": "Planned for the May release.", "status": "planned", "csrf_token": token}
    response = client.post(f"/posts/{post_id}/response", data=answer)
    request_ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 303, response.status_code

    with app.app_context():
        queued = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        started = time.perf_counter()
        while delivery.deliver_pending(limit=1000):
            pass
        delivery_s = time.perf_counter() - started
        left = db.session.scalar(select(func.count()).where(OutboxMessage.sent_at.is_(None)))
    files = len(list((work / "outbox").glob("*.eml")))
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    print(f"{dialect}: answering a post with {args.voters:,} voters took {request_ms:.0f} ms "
          f"({queued:,} emails queued); delivering them took {delivery_s:.1f} s "
          f"({files:,} files, {files / delivery_s:.0f}/s, {left} left)")  # fmt: skip


if __name__ == "__main__":
    main()
