"""The mixed, viral or varied-words search run (bench/run.py's), alternating two checkouts of the forum,
for before/after figures.

    git worktree add /tmp/before <commit>
    ln -s "$PWD/.venv" /tmp/before/.venv; ln -s "$PWD/bench/data" /tmp/before/bench/data
    cp migrations/versions/<new ones> /tmp/before/migrations/versions/   # if this checkout adds any
    .venv/bin/python bench/mixed_ab.py --before /tmp/before                       # PostgreSQL, 100,000 posts
    .venv/bin/python bench/mixed_ab.py --before /tmp/before --viral --database sqlite --rounds 3
    .venv/bin/python bench/mixed_ab.py --before /tmp/before --varied --warm 10 --posts 1000

Uses the databases `bench/run.py` builds (run it once first). Each round serves the same scenario from
both checkouts, one after the other, in turns (the first round before then after, the next after then
before, ...): this machine's speed drifts by a third between runs a minute apart, so only figures taken
in turns compare. Each run is a gunicorn of its own (4 sync workers, the checkout's own
gunicorn.conf.py), warmed with `--warm` seconds of the same load, then `--seconds` of wrk (2 threads, 4
connections). Prints, per run, wrk's requests per second and the server's time per request from
gunicorn's access log (reads, votes, comments apart), and the paths of the slowest reads.
"""

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", required=True, help="a checkout of the forum to compare with this one")
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--posts", type=int, default=100000)
    parser.add_argument("--viral", action="store_true", help="every write on the busiest post, as bench/run.py's")
    parser.add_argument(
        "--varied", action="store_true", help="bench/run.py's 'search, varied words' instead (reads only)"
    )
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    checkouts = {"before": Path(args.before).resolve(), "after": bench.ROOT}
    url = bench.prepare(args.database, args.posts, reseed=False)
    if args.varied:
        data = bench.DATA / "varied-ab.txt"
        data.write_text("".join(query.replace(" ", "+") + "\n" for query in bench.varied_words(url)))
    else:
        data = bench.scenario_data(url, bench.read_targets(url), args.viral)
    wrk_args = argparse.Namespace(threads=2, connections=4, workers=4, worker_class="sync", duration=args.seconds)
    for round_ in range(args.rounds):
        for name in ("before", "after") if round_ % 2 == 0 else ("after", "before"):
            result = one_run(checkouts[name], url, data, wrk_args, args.warm, args.varied)
            print(f"round {round_ + 1}, {name}: {result}", flush=True)


def one_run(checkout: Path, url: str, data: Path, wrk_args, warm: int, varied: bool) -> str:
    bench.ROOT = checkout  # gunicorn's folder (and PYTHONPATH): that checkout's code and gunicorn.conf.py
    env = {**bench.app_settings(url), "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(checkout)}
    log = bench.DATA / "mixed-ab.log"
    log.unlink(missing_ok=True)
    script = {"BENCH_QUERIES" if varied else "BENCH_MIXED": str(data)}
    lua, path = ("search.lua", "/search") if varied else ("mixed.lua", "/")
    with bench.Gunicorn("wsgi:app", env, wrk_args, access_log=log) as server:
        server.warm(path, script=lua, extra_env=script, seconds=warm)
        log.write_text("")
        row = bench.wrk(wrk_args, path, script=lua, extra_env=script)
    kinds = bench.latencies_by_kind(log)
    reads = sorted(
        (int(micros), path.split("-")[0] if path.startswith("/posts/") else path)
        for method, path, _status, micros in (line.split() for line in log.read_text().splitlines())
        if method == "GET"
    )
    slowest = collections.Counter(path for _, path in reads[-max(1, len(reads) // 50) :])
    measured = ("reads",) if varied else ("reads", "votes", "comments")
    times = ", ".join(f"{k} {kinds[f'{k}_p50_ms']:.1f} / {kinds[f'{k}_p99_ms']:.1f}" for k in measured)
    return (
        f"{row['rps']:.0f} req/s, errors {row['errors']}; server ms p50 / p99: {times}; "
        f"slowest 2% of reads: {dict(slowest.most_common(3))}"
    )


if __name__ == "__main__":
    main()
