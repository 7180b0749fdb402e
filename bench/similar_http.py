"""`GET /posts/similar?title=` over HTTP, as the new-post form calls it while a customer types (issue 31).

    .venv/bin/python bench/similar_http.py                        # SQLite, 1,000 and 100,000 posts
    .venv/bin/python bench/similar_http.py --databases sqlite,postgresql --duration 20

For each database and size it takes bench/run.py's seeded forum (built once in bench/data/ or the
PostgreSQL database forum_bench_<size>), gives every post a sentence vector, serves the forum with
gunicorn (--workers, two by default: one per core of the bench machine) and runs wrk for --duration
seconds with 1 and then 2 connections (one customer typing, then two at once), each request a title
drawn at random from the typed titles of tests/data/ and from the seeded titles. It prints p50, p95
and p99 per case and writes them to bench/results/similar-http-YYYYMMDD-HHMM.{json,md}. Before each
size it measures two ceilings on the machine as it is at that moment (its speed moves from day to
day): Flask's "hello" over the same HTTP path, and the model embedding the same titles in-process.

The vectors: the seed's titles repeat ("<verb> <thing> <place> (#<id>)", about 1,300 distinct
without the number), so each distinct title is embedded once, without its number and without the
body, and every post with that title gets that vector; its digest is of the text embedded, so
`flask similar reindex` would recompute them all from the real text. Many posts then share one
vector, so a typed title about a seeded topic finds all 60 candidates above the relevance floor:
the most posts the endpoint ever loads. Embedding 100,000 real texts instead takes most of an hour
(bench/similar_recall.py --scale measures that), and the search's time does not depend on the
vectors' content, only on their number.
"""

import argparse
import json
import os
import platform
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.run import DATA, RESULTS, Gunicorn, in_app, prepare, served_app_settings, wrk  # noqa: E402

FILL_VECTORS = """
import hashlib, re
from sqlalchemy import insert, select
from forum import semantic
from forum.models import Post, PostVector, utcnow
have = set(db.session.scalars(select(PostVector.post_id).where(PostVector.model == semantic.MODEL)))
todo = [(i, t) for i, t in db.session.execute(select(Post.id, Post.title)) if i not in have]
bare = {i: re.sub(r" \\(#\\d+\\)$", "", t) for i, t in todo}
distinct = sorted(set(bare.values()))
vectors = dict(zip(distinct, semantic.embed(distinct).astype("<f2"))) if distinct else {}
now = utcnow()
rows = [{"post_id": i, "model": semantic.MODEL, "vector": vectors[bare[i]].tobytes(),
         "text_sha256": hashlib.sha256(bare[i].encode()).hexdigest(), "updated_at": now} for i, _ in todo]
for start in range(0, len(rows), 5000):
    db.session.execute(insert(PostVector), rows[start:start + 5000])
    db.session.commit()
print(json.dumps({"posts_given_vectors": len(rows), "distinct_titles": len(distinct), "had_vectors": len(have)}))
"""


def typed_titles(url: str) -> list[str]:
    """What customers type: the typed titles of the recall sets, and seeded titles as they stand."""
    titles = []
    for name in ("paraphrase_pairs.json", "similar_heldout.json"):
        data = json.loads((ROOT / "tests/data" / name).read_text())
        titles += [p["typed"] for key in ("pairs", "holdout") for p in data.get(key, [])]
    first = "SELECT title FROM posts ORDER BY id LIMIT 200"
    seeded = in_app(url, f"print(json.dumps([t for (t,) in db.session.execute(db.text({first!r}))]))")
    return titles + [t.rsplit(" (#", 1)[0] for t in json.loads(seeded)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite")
    parser.add_argument("--sizes", default="1000,100000", help="numbers of posts")
    parser.add_argument("--duration", type=int, default=15, help="seconds of wrk per case")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--reseed", action="store_true", help="rebuild the databases even if they exist")
    args = parser.parse_args()
    args.worker_class, args.threads = "sync", 1
    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    rows = []
    for database in args.databases.split(","):
        for size in sorted(int(s) for s in args.sizes.split(",")):
            url = prepare(database, size, args.reseed)
            filled = json.loads(in_app(url, FILL_VECTORS))
            print(f"{database} {size:,}: {filled}", flush=True)
            titles = typed_titles(url)
            queries = DATA / "similar-queries.txt"
            queries.write_text("".join(urllib.parse.quote_plus(t) + "\n" for t in titles))
            env = {"BENCH_QUERIES": str(queries), "BENCH_PREFIX": "/posts/similar?title="}
            rows.append(ceiling(args, database, size, titles))
            with Gunicorn("wsgi:app", served_app_settings(url), args) as server:
                for connections in (1, 2):
                    args.connections = connections
                    server.warm("/posts/similar?title=dark+mode", script="search.lua", extra_env=env, seconds=5)
                    row = {
                        "database": database,
                        "posts": size,
                        "connections": connections,
                        **wrk(args, "/posts/similar", script="search.lua", extra_env=env),
                    }
                    rows.append(row)
                    print(
                        f"{database:>10} {size:>7,} posts, {connections} connection(s): {row['rps']:6.1f} req/s "
                        f"p50 {row['p50_ms']:5.1f} ms p95 {row['p95_ms']:5.1f} ms p99 {row['p99_ms']:5.1f} ms "
                        f"errors {row['errors']}",
                        flush=True,
                    )
            queries.unlink()
    write(rows, args)


def ceiling(args, database: str, size: int, titles: list[str]) -> dict:
    """What the same machine does at the same moment without the forum: Flask's "hello" over the same
    HTTP path (1 connection), and the model alone embedding the same titles in this process."""
    import numpy as np

    from forum.semantic import model_zip
    from forum.semantic.encoder import Encoder

    args.connections = 1
    with Gunicorn("bench.hello_app:app", {"PYTHONPATH": str(ROOT)}, args) as hello:
        hello.warm("/")
        served = wrk(args, "/")
    encoder = Encoder(model_zip())
    times = []
    for title in titles:
        begun = time.perf_counter()
        encoder.encode([title])
        times.append((time.perf_counter() - begun) * 1000)
    row = {
        "database": database,
        "posts": size,
        "ceiling": True,
        "hello_p50_ms": served["p50_ms"],
        "hello_p95_ms": served["p95_ms"],
        "embedding_p50_ms": float(np.percentile(times, 50)),
        "embedding_p95_ms": float(np.percentile(times, 95)),
    }
    print(
        f"{'':>10} ceilings: Flask hello p50 {row['hello_p50_ms']:.1f} ms p95 {row['hello_p95_ms']:.1f} ms; "
        f"embedding a title alone p50 {row['embedding_p50_ms']:.1f} ms p95 {row['embedding_p95_ms']:.1f} ms",
        flush=True,
    )
    return row


def write(rows: list[dict], args) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    threads = os.environ.get("OPENBLAS_NUM_THREADS", "")
    meta = {"machine": platform.node(), "workers": args.workers, "duration_s": args.duration, "blas_threads": threads}
    (RESULTS / f"similar-http-{stamp}.json").write_text(json.dumps({**meta, "rows": rows}, indent=2) + "\n")
    lines = [
        f"# GET /posts/similar over HTTP, {stamp} UTC",
        "",
        f"`{f'OPENBLAS_NUM_THREADS={threads} ' if threads else ''}.venv/bin/python bench/similar_http.py "
        f"--databases {args.databases} --sizes {args.sizes} "
        f"--duration {args.duration}`: gunicorn with {args.workers} sync workers, wrk with 1 thread, "
        "typed titles drawn at random.",
        "",
        "| database | posts | connections | req/s | p50 ms | p95 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {r['database']} | {r['posts']:,} | {r['connections']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
        f"{r['p95_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} |"
        for r in rows
        if "ceiling" not in r
    ]
    lines += ["", "Ceilings measured just before each size's runs:", ""]
    lines += [
        f"- {r['database']}, {r['posts']:,} posts: Flask hello p50 {r['hello_p50_ms']:.1f} ms, p95 "
        f"{r['hello_p95_ms']:.1f} ms; the model embedding a typed title in-process p50 "
        f"{r['embedding_p50_ms']:.1f} ms, p95 {r['embedding_p95_ms']:.1f} ms."
        for r in rows
        if "ceiling" in r
    ]
    (RESULTS / f"similar-http-{stamp}.md").write_text("\n".join(lines) + "\n")
    print(f"wrote bench/results/similar-http-{stamp}.md")


if __name__ == "__main__":
    main()
