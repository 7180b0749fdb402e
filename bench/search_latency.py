"""Search latency (p50/p95) on 10,000 and 100,000 posts, for each backend (issue 5).

    .venv/bin/python bench/search_latency.py --posts 10000 --backend whoosh --database sqlite
    .venv/bin/python bench/search_latency.py --posts 100000 --backend postgres \
        --database postgresql+psycopg://postgres@127.0.0.1:5432/search_bench

Seeds the database with `forum.bench.seed` (the data `flask bench seed` makes:
skewed votes, comments, official responses), builds the Whoosh index when
that backend is measured (`flask search reindex`, timed), then runs a fixed
mix of queries (one word, two words, a phrase, a filter, a miss, a malformed
one) through forum.search.search() as an anonymous visitor, 20 rounds, and
prints the 50th and 95th percentiles. The page's rendering is not included:
this measures the search itself (backend + loading the posts + snippets).
"""

import argparse
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
    args = parser.parse_args()

    from flask_migrate import upgrade

    from forum import create_app, search
    from forum.bench import seed
    from forum.extensions import db
    from forum.models import AnonymousUser, Kind, Status
    from forum.permissions import Guardian

    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    url = "sqlite:///" + str(work / "forum.db") if args.database == "sqlite" else args.database
    if url.startswith("postgresql"):
        import psycopg

        base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
        with psycopg.connect(base + "/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SEARCH_BACKEND": args.backend,
                      "SEARCH_INDEX_DIR": str(work / "index")})  # fmt: skip
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        seed(posts=args.posts, votes=args.posts * 5, comments=args.posts, users=max(100, args.posts // 20))
        print(f"seeded {args.posts} posts in {time.perf_counter() - started:.0f} s", flush=True)
        if args.backend == "whoosh":
            started = time.perf_counter()
            count = search.backend().rebuild()
            print(f"indexed {count} posts in {time.perf_counter() - started:.0f} s", flush=True)
        viewer = Guardian(AnonymousUser())
        timings = []
        per_query: dict[str, list[float]] = {}
        for _ in range(args.rounds):
            for text, filters in QUERIES:
                request = search.SearchRequest(
                    text=text,
                    kind=Kind(filters["kind"]) if "kind" in filters else None,
                    status=Status(filters["status"]) if "status" in filters else None,
                )
                started = time.perf_counter()
                search.search(viewer, request)
                timings.append((time.perf_counter() - started) * 1000)
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
                  f"max {max(rest):6.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
