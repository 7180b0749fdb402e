"""The PostgreSQL search backend's statements, timed by PostgreSQL itself: where a varied search's
database time goes.

    .venv/bin/python bench/search_plans.py                    # 100 pairs of title words, 100,000 posts
    .venv/bin/python bench/search_plans.py --posts 1000 --seed 7 --slowest 5
    .venv/bin/python bench/search_plans.py --full-pages       # bench/run.py's full pages instead

Uses the database `bench/run.py` builds (forum_bench_<posts>; run it once first). Each pair goes through
forum.search.search() as a visitor with SEARCH_BACKEND=postgres; its search statement is then run
under `EXPLAIN (ANALYZE)` --runs times, and the fastest run kept (the machine's noise is one-sided).
Prints the execution time's mean and percentiles, the planning time, and the slowest searches with
the scans their plans made (node, index, rows).
"""

import argparse
import os
import random
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--posts", type=int, default=100000)
    parser.add_argument("--searches", type=int, default=100)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--slowest", type=int, default=10)
    parser.add_argument(
        "--full-pages", action="store_true", help="bench/run.py's full pages (a title word and a body word) instead"
    )
    args = parser.parse_args()
    server = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
    os.environ.update(DATABASE_URL=f"{server}/forum_bench_{args.posts}", SECRET_KEY="bench")
    from sqlalchemy import event

    from bench.seed import THINGS, VERBS, WHERE
    from forum import create_app, search
    from forum.extensions import db

    app = create_app({"SEARCH_BACKEND": "postgres"})
    words = sorted({w.lower() for phrase in VERBS + THINGS + WHERE for w in phrase.split() if len(w) > 3})
    rng = random.Random(args.seed)
    if args.full_pages:
        sys.path.insert(0, str(BENCH))
        import run as bench

        every = bench.full_page_searches(bench.prepare("postgresql", 1000, reseed=False))
    else:
        every = [f"{a} {b}" for i, a in enumerate(words) for b in words[i + 1 :]]
    pairs = rng.sample(every, min(args.searches, len(every)))
    plans = []

    def explain(conn, cursor, statement, parameters, context, executemany):
        if "ts_rank" not in statement or plans[-1] is not None:
            return  # the page's statement only, once
        runs = [
            cursor.connection.execute(
                "EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters, prepare=False
            ).fetchone()[0][0]
            for _ in range(args.runs)
        ]
        plans[-1] = min(runs, key=lambda plan: plan["Execution Time"])

    with app.app_context():
        event.listen(db.engine, "after_cursor_execute", explain)
        timed = []
        for text in pairs:
            plans.append(None)
            search.search(text)
            if plans[-1] is not None:
                timed.append((plans[-1]["Execution Time"], plans[-1]["Planning Time"], text, plans[-1]["Plan"]))
    timed.sort(key=lambda row: row[0])
    n = len(timed)
    shares = ", ".join(f"p{q} {timed[min(n - 1, n * q // 100)][0]:.1f}" for q in (50, 90, 95, 99))
    mean = sum(row[0] for row in timed) / n
    planning = sum(row[1] for row in timed) / n
    print(f"{args.posts} posts, {n} searches: execution mean {mean:.2f} ms, {shares}, max {timed[-1][0]:.1f}; "
          f"planning mean {planning:.2f} ms")  # fmt: skip
    for execution, _planning, text, plan in timed[-args.slowest :]:
        print(f"{execution:7.2f} ms  {text:<28} " + ", ".join(_scans(plan)))


def _scans(node):
    """The plan's scans that ran: type, index, rows."""
    if "Scan" in node["Node Type"] and node["Node Type"] != "CTE Scan" and node.get("Actual Loops", 1):
        yield f"{node['Node Type']}{' ' + node['Index Name'] if 'Index Name' in node else ''} {node['Actual Rows']}"
    for child in node.get("Plans", []):
        yield from _scans(child)


if __name__ == "__main__":
    main()
