"""The page of a full-page search with nothing kept, in-process, at 1,000 and 100,000 posts (after `make bench`).

    .venv/bin/python bench/full_pages.py sqlite
    .venv/bin/python bench/full_pages.py postgresql

The searches are the bench's `search, full pages, nothing kept` (bench/run.py: a title word and a body
word whose search fills a page of 20 at 1,000 posts). Both sizes are served by two apps in one process
(`VISITOR_PAGE_CACHE=0`, `SEARCH_RESULTS_KEPT=0`), every search run once first so every word is read,
then 300 of them timed in turn on each app, six times: this machine's speed drifts by a third between
processes a minute apart, much less between two loops of one process. Prints the page's CPU time
(`FlaskClient`, the whole request; on PostgreSQL the server's own time is not in it) and
`whoosh_sets.top()`'s alone, the minimum and the median of the six loops.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench

SIZES = (1000, 100000)
LOOPS = 6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", choices=["sqlite", "postgresql"])
    parser.add_argument("--searches", type=int, default=300)
    args = parser.parse_args()
    urls = [bench.prepare(args.database, size, reseed=False) for size in SIZES]
    pairs = bench.full_page_searches(urls[0])
    drawn = random.Random(1).sample(pairs, min(args.searches, len(pairs)))

    from forum import create_app
    from forum.search import whoosh_backend, whoosh_sets
    from forum.search.query import analyze

    clients, tops = [], []
    for url in urls:
        os.environ.update(bench.app_settings(url))
        os.environ.update({"RATELIMIT_ENABLED": "0", **bench.NOTHING_KEPT})
        app = create_app()
        client = app.test_client()
        for q in pairs:
            assert client.get("/search", query_string={"q": q}).status_code == 200
        backend = app.extensions["search_backends"]["whoosh"]
        searcher = backend._searcher_kept
        words = [[analyze(word) for word in q.split()] for q in drawn]

        def top(searcher=searcher, kept=backend._sets, words=words):
            for each in words:
                whoosh_sets.top(searcher, kept, whoosh_backend.GROUPS, each, required=[], excluded=[("public", "no")],
                                limit=20)  # fmt: skip

        clients.append(client)
        tops.append(top)

    def timed(run) -> float:
        started = time.process_time()
        run()
        return (time.process_time() - started) / len(drawn) * 1000

    pages = [[], []]
    searches = [[], []]
    for _ in range(LOOPS):
        for i, client in enumerate(clients):
            pages[i].append(timed(lambda c=client: [c.get("/search", query_string={"q": q}) for q in drawn]))
            searches[i].append(timed(tops[i]))
    for i, size in enumerate(SIZES):
        print(
            f"{args.database} {size:>6} posts: page {min(pages[i]):.2f} ms (median {statistics.median(pages[i]):.2f}), "
            f"whoosh_sets.top() {min(searches[i]):.3f} ms (median {statistics.median(searches[i]):.3f})"
        )


if __name__ == "__main__":
    main()
