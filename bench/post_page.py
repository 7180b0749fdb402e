"""A visitor's post page in-process: what each read costs in the two ways a worker may serve it.

    .venv/bin/python bench/post_page.py postgresql
    .venv/bin/python bench/post_page.py sqlite --posts 1000

Uses the databases `bench/run.py` builds (run it once first). The pages are the mixed run's: the 200
most trending open posts (`open`), and the busiest post, the viral run's (`busiest`). Each page is read
    - from the cache: nothing written since it was stored (`caching.for_visitors`);
    - rendered: something was written since (in the mixed run, a write every ~10 requests moves the
      write version between nearly any two reads of a page).
Prints the CPU time per read (`FlaskClient`, the whole request; on PostgreSQL the server's own time is
not in it), the minimum of 5 loops, and the SQL statements per read.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench

LOOPS = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database", choices=["sqlite", "postgresql"])
    parser.add_argument("--posts", type=int, default=100000)
    args = parser.parse_args()
    url = bench.prepare(args.database, args.posts, reseed=False)
    os.environ.update({**bench.app_settings(url), "RATELIMIT_ENABLED": "0"})
    from sqlalchemy import event

    from forum import caching, create_app
    from forum.extensions import db

    app = create_app()
    targets = bench.read_targets(url)
    pages = {"open": targets["open_pages"], "busiest": [targets["busiest_post"]]}
    client = app.test_client()
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *_: statements.__setitem__(0, statements[0] + 1))

    def written() -> None:
        with app.app_context():
            caching.written()

    ways = {"from the cache": lambda: None, "rendered": written}
    print(f"{args.database}, {args.posts:,} posts: CPU ms per read (minimum of {LOOPS} loops), statements per read")
    for name, paths in pages.items():
        for path in paths:
            assert client.get(path).status_code == 200, path
        for way, before in ways.items():
            best = float("inf")
            for _ in range(LOOPS):
                statements[0], spent = 0, 0.0
                for path in paths * (20 if len(paths) == 1 else 1):
                    before()
                    start = time.process_time()
                    client.get(path)
                    spent += time.process_time() - start
                reads = len(paths) * (20 if len(paths) == 1 else 1)
                best = min(best, spent / reads * 1000)
            print(f"  {name:8} {way:16} {best:6.2f} ms  {statements[0] / reads:4.1f} statements")


if __name__ == "__main__":
    main()
