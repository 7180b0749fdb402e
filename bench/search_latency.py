"""Search latency (p50/p95) on 10,000 and 100,000 posts, for each backend (issue 5).

    .venv/bin/python bench/search_latency.py --posts 10000 --backend whoosh --database sqlite
    .venv/bin/python bench/search_latency.py --posts 100000 --backend postgres \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/search_bench

Seeds the database with `bench.seed.seed` (the data `flask bench seed` makes:
skewed votes, comments, official responses), builds the Whoosh index when
that backend is measured (`flask search reindex`, timed), then runs a fixed
mix of queries (one word, two words, a phrase, a filter, a miss, a malformed
one) through forum.search.search() as an anonymous visitor, 20 rounds, and
prints the 50th and 95th percentiles. The page's rendering is not included:
this measures the search itself (backend + loading the posts + snippets).

It then times single-comment INSERTs (each rolled back) on the post with the
most comments and on one without any, with whatever triggers the database
holds (PostgreSQL: the search documents'; `--comment-inserts 0` skips it).
The temporary folder (/tmp/search-bench-*, the SQLite file and the Whoosh
index, ~270 MB at 100k) is removed at the end unless --keep.
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = [
    ("export", {}),
    ("slow board", {}),
    ('"dark mode"', {}),
    ("notifications email", {"kind": "complaint"}),
    ("calendar sync", {"status": "planned"}),
    ("zzyzx", {}),
    ('crash* "unbalanced', {}),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=10000)
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--database", default="sqlite", help="sqlite (a temporary file) or a PostgreSQL URL")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--comment-inserts", type=int, default=20, help="PostgreSQL: comment INSERTs timed per post")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--reuse", action="store_true", help="PostgreSQL: search the database as it is (upgraded, "
                        "not dropped and seeded again)")  # fmt: skip
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    try:
        run(args, work)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    from flask_migrate import upgrade

    from bench.seed import seed
    from forum import create_app, search
    from forum.extensions import db

    url = "sqlite:///" + str(work / "forum.db") if args.database == "sqlite" else args.database
    reuse = args.reuse and url.startswith("postgresql")
    if url.startswith("postgresql") and not reuse:
        import psycopg

        base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": args.backend,
                      "SEARCH_INDEX_DIR": str(work / "index")})  # fmt: skip
    with app.app_context():
        upgrade()
        if not reuse:
            started = time.perf_counter()
            seed(posts=args.posts, votes=args.posts * 5, comments=args.posts, users=max(100, args.posts // 20))
            print(f"seeded {args.posts} posts in {time.perf_counter() - started:.0f} s", flush=True)
        if args.backend == "whoosh":
            started = time.perf_counter()
            count = search.backend().reindex()
            print(f"indexed {count} posts in {time.perf_counter() - started:.0f} s", flush=True)
        timings = []
        per_query: dict[str, list[float]] = {}
        totals: dict[str, str] = {}
        for _ in range(args.rounds):
            for text, filters in QUERIES:
                started = time.perf_counter()
                found = search.search(text, search.Filters(**filters))
                timings.append((time.perf_counter() - started) * 1000)
                totals[text] = str(found.total)
                per_query.setdefault(text, []).append(timings[-1])
                db.session.rollback()
        timings.sort()
        p50 = statistics.median(timings)
        p95 = timings[int(len(timings) * 0.95) - 1]
        print(f"{args.backend} on {args.database.split('://')[0]}, {args.posts} posts, {len(timings)} searches: "
              f"p50 {p50:.1f} ms, p95 {p95:.1f} ms")  # fmt: skip
        # The first round of each query is the cold one (nothing kept yet); the others may be
        # answered from what the backend keeps between searches (Whoosh: until the next index write).
        for text, spent in per_query.items():
            rest = sorted(spent[1:]) or spent
            print(f"  {text!r:24} first {spent[0]:7.1f} ms, then p50 {statistics.median(rest):6.1f} ms, "
                  f"max {max(rest):6.1f} ms; {totals[text]} found")  # fmt: skip
        if args.comment_inserts:
            comment_inserts(args.comment_inserts)


def comment_inserts(rounds: int) -> None:
    """What a new comment costs (the INSERT with its triggers, rolled back): on the busiest post and a quiet one."""
    from sqlalchemy import text

    from forum.extensions import db

    busiest, count = db.session.execute(
        text("SELECT post_id, count(*) FROM comments GROUP BY post_id ORDER BY 2 DESC LIMIT 1")
    ).one()
    quiet = db.session.scalar(text("SELECT min(id) FROM posts WHERE comment_count = 0"))
    author = db.session.scalar(text("SELECT min(id) FROM users"))
    db.session.rollback()
    insert = text(
        "INSERT INTO comments (post_id, author_id, body, body_html, created_at, is_hidden) "
        "VALUES (:post, :author, :body, '<p>x</p>', CURRENT_TIMESTAMP, false)"
    )
    for post_id, label in ((busiest, f"post with {count} comments"), (quiet, "post without comments")):
        spent = []
        for n in range(rounds):
            body = f"Same here, the export times out with more than 500 rows ({n})."
            started = time.perf_counter()
            db.session.execute(insert, {"post": post_id, "author": author, "body": body})
            spent.append((time.perf_counter() - started) * 1000)
            db.session.rollback()
        spent.sort()
        print(f"comment INSERT on the {label}: p50 {statistics.median(spent):.2f} ms, max {spent[-1]:.2f} ms")


if __name__ == "__main__":
    main()
