"""Searches nobody made before: latency of 100 random pairs of title words, in-process.

    .venv/bin/python bench/search_varied.py sqlite              # bench/data/sqlite-100000.db, Whoosh
    .venv/bin/python bench/search_varied.py postgresql --backend postgres
    .venv/bin/python bench/search_varied.py sqlite --plain-whoosh          # Whoosh's own matchers only

Uses the databases and Whoosh indexes `bench/run.py` builds (run it once first). Each pair goes through
forum.search.search() as a visitor (backend, loading the posts, snippets; no page), once: the results
kept per index generation never answer, which is what a busy forum's searches look like between index
writes. Prints p50, p90, p95, p99 and max in ms.
"""

import argparse
import os
import random
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", choices=["sqlite", "postgresql"])
    parser.add_argument("--posts", type=int, default=100000)
    parser.add_argument("--backend", choices=["whoosh", "postgres"], default="whoosh")
    parser.add_argument("--plain-whoosh", action="store_true", help="Whoosh without whoosh_sets (its own matchers)")
    parser.add_argument("--searches", type=int, default=100)
    args = parser.parse_args()
    if args.database == "sqlite":
        url, index = f"sqlite:///{BENCH / 'data' / f'sqlite-{args.posts}.db'}", f"sqlite-{args.posts}"
    else:
        server = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
        url, index = f"{server}/forum_bench_{args.posts}", f"forum_bench_{args.posts}"
    os.environ.update(DATABASE_URL=url, SECRET_KEY=os.environ.get("SECRET_KEY", "bench"))
    from bench.seed import THINGS, VERBS, WHERE
    from forum import create_app, search

    app = create_app({"SEARCH_BACKEND": args.backend, "SEARCH_INDEX_DIR": str(BENCH / "data" / f"search-{index}")})
    words = sorted({w.lower() for phrase in VERBS + THINGS + WHERE for w in phrase.split() if len(w) > 3})
    rng = random.Random(1)
    pairs = rng.sample([f"{a} {b}" for i, a in enumerate(words) for b in words[i + 1 :]], args.searches)
    timings = []
    with app.app_context():
        if args.plain_whoosh:
            search.backend().with_sets = False
        search.search("dashboard")  # one word: never one of the pairs below
        for text in pairs:
            started = time.perf_counter()
            search.search(text)
            timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    n = len(timings)
    shares = ", ".join(f"p{q} {timings[min(n - 1, n * q // 100)]:.1f} ms" for q in (50, 90, 95, 99))
    name = "plain whoosh" if args.plain_whoosh else args.backend
    print(f"{args.database} {args.posts} {name}: {n} searches, {shares}, max {timings[-1]:.1f} ms")


if __name__ == "__main__":
    main()
