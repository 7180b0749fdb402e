"""Load benchmark: the forum under gunicorn, driven by wrk, against Flask's own ceilings.

    .venv/bin/python bench/run.py                      # SQLite and PostgreSQL, 1,000 and 100,000 posts
    .venv/bin/python bench/run.py --databases sqlite --sizes 1000 --duration 5

For each database and size it builds (once; kept in bench/data/ and PostgreSQL databases
forum_bench_<size>) a seeded database, serves the app with gunicorn on 127.0.0.1, and runs wrk for
--duration seconds per scenario: the home list in each sort, a post with 500 comments, the roadmap,
search (when /search exists), a mixed read/write run (10% votes, unvotes and comments by
signed-in members) and a viral one (the same, every write on the busiest post, whose page is read),
after each of which `flask recount` must find no difference. In the same run it measures
a minimal Flask "hello" app and a minimal Flask + Jinja list page under the same gunicorn settings.
Results: a Markdown table and JSON in bench/results/.
"""

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
DATA = BENCH / "data"
RESULTS = BENCH / "results"
VENV_BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
SECRET = "benchmark-secret-not-for-production"
SESSIONS = 200  # signed-in members writing in the mixed scenario
# Besides Whoosh (the default), PostgreSQL's own full-text search backend is measured there.
OTHER_SEARCH_BACKEND = {"postgresql": "postgres"}
SEARCH_LABELS = {"postgres": "SEARCH_BACKEND=postgres"}
SORTS = ("trending", "top", "new", "active")
NOTHING_KEPT = {"VISITOR_PAGE_CACHE": "0", "SEARCH_RESULTS_KEPT": "0"}  # every request searches and renders


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--sizes", default="1000,100000", help="numbers of posts")
    parser.add_argument("--duration", type=int, default=10, help="seconds of wrk per scenario")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--worker-class", default="sync")
    parser.add_argument("--only", default="", help="comma-separated scenario names to run (default: all)")
    parser.add_argument("--reseed", action="store_true", help="rebuild the databases even if they exist")
    parser.add_argument(
        "--turns", type=int, default=2, help="rounds of the sizes in turns, for the flatness verdict (0: none)"
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install -y wrk")
    DATA.mkdir(exist_ok=True)
    RESULTS.mkdir(exist_ok=True)
    only = {name for name in args.only.split(",") if name}

    rows: list[dict] = []
    turns: list[dict] = []
    for database in args.databases.split(","):
        varied: list[str] = []  # the same searches at every size: read once per database
        full_pages: list[str] = []
        urls: dict[int, str] = {}
        for size in sorted(int(s) for s in args.sizes.split(",")):
            url = urls[size] = prepare(database, size, args.reseed)
            # The ceilings are measured again before each database and size, so each ratio compares
            # numbers taken minutes apart on the same machine, not at both ends of a long run (a
            # shared machine's speed drifts: hello gave 2,200 to 5,700 req/s on different runs).
            ceilings = measure_ceilings(args, database, size, rows)
            app_env = served_app_settings(url)
            targets = read_targets(url)
            with Gunicorn("wsgi:app", app_env, args) as server:
                scenarios = [(f"home ?sort={sort}", f"/?sort={sort}") for sort in SORTS]
                scenarios.append(("post, 500 comments", targets["commented_post"]))
                scenarios.append((f"post, most comments ({targets['busiest_comments']:,})", targets["busiest_post"]))
                scenarios.append(("roadmap", "/roadmap"))
                if server.status("/search?q=export") == 200:
                    scenarios.append(("search", "/search?q=export"))
                for label, path in scenarios:
                    if not wanted(only, label):
                        continue
                    server.warm(path)
                    row = {
                        "database": database,
                        "posts": size,
                        "scenario": label,
                        **wrk(args, path),
                        **ratios(ceilings),
                    }
                    rows.append(row)
                    print_row(row)
                searches = server.status("/search?q=export") == 200 and (not only or "search" in only)
                if searches:
                    varied = varied or varied_words(url)
                    label = "search, varied words"
                    rows.append(search_run(args, server, database, size, url, ceilings, label, varied))
            if not only or "mixed" in only:
                rows.append(mixed(args, database, size, url, ceilings, app_env, targets))
            if not only or "viral" in only:
                rows.append(mixed(args, database, size, url, ceilings, app_env, targets, viral=True))
            alternative = OTHER_SEARCH_BACKEND.get(database)
            if searches:
                if alternative:
                    # The same searches on the database's own full-text backend (SEARCH_BACKEND), beside Whoosh.
                    with Gunicorn("wsgi:app", {**app_env, "SEARCH_BACKEND": alternative}, args) as server:
                        label = search_label("search, varied words", alternative)
                        rows.append(search_run(args, server, database, size, url, ceilings, label, varied, alternative))
                # Pages of the same length at every size, nothing kept: the search engine's own flatness.
                full_pages = full_pages or full_page_searches(url)
                for backend in ("whoosh", alternative) if alternative else ("whoosh",):
                    env = {**app_env, **NOTHING_KEPT, "SEARCH_BACKEND": backend}
                    with Gunicorn("wsgi:app", env, args) as server:
                        label = search_label("search, full pages, nothing kept", backend)
                        rows.append(search_run(args, server, database, size, url, ceilings, label, full_pages, backend))
            measure_ceilings(args, database, size, rows, before=ceilings)
        if args.turns and len(urls) > 1:
            ends = {size: urls[size] for size in (min(urls), max(urls))}
            turns += in_turns(args, database, ends, only, varied, full_pages)
    write_results(rows, args, turns)


def in_turns(args, database: str, urls: dict[int, str], only: set, varied: list, full_pages: list) -> list[dict]:
    """The read scenarios again, the smallest and the largest size served side by side and measured in
    turns (small, large, large, small, ...: `--turns` rounds of half `--duration` each), for the flatness
    verdict. The blocks above are ten minutes apart, and this machine's speed moved by up to 30% in
    that time: the same kept page, the same work at both sizes, came out at +30% (20261127-0647). Turns
    taken seconds apart see the same machine, and the order that flips each round cancels a steady drift.
    The Jinja list served twice, in the same turns, shows the method's own noise. The mixed and viral
    runs write, so they are judged on the blocks."""
    sizes = list(urls)
    post = {size: read_targets(url)["commented_post"] for size, url in urls.items()}
    alternative = OTHER_SEARCH_BACKEND.get(database)
    backends = ("whoosh", alternative) if alternative else ("whoosh",)

    def same(path: str) -> dict[int, str]:
        return dict.fromkeys(sizes, path)

    # Each server's extra settings, and its scenarios: (label, the path at each size, or the searches).
    reads = [(f"home ?sort={sort}", same(f"/?sort={sort}"), None) for sort in SORTS]
    reads += [("post, 500 comments", post, None), ("roadmap", same("/roadmap"), None)]
    reads += [("search", same("/search?q=export"), None)]
    setups = [({}, [read for read in reads if wanted(only, read[0])])]
    searches = not only or "search" in only
    if varied and searches:
        setups[0][1].append(("search, varied words", same("/search"), varied))
        for backend in backends[1:]:
            label = search_label("search, varied words", backend)
            setups.append(({"SEARCH_BACKEND": backend}, [(label, same("/search"), varied)]))
    if full_pages and searches:
        for backend in backends:
            label = search_label("search, full pages, nothing kept", backend)
            setups.append(({**NOTHING_KEPT, "SEARCH_BACKEND": backend}, [(label, same("/search"), full_pages)]))
    out = []
    jinja = {"PYTHONPATH": str(ROOT)}
    with Gunicorn("bench.list_app:app", jinja, args) as one, Gunicorn("bench.list_app:app", jinja, args) as two:
        servers = dict(zip(sizes, (one, two), strict=True))
        out.append(turn_rounds(args, database, "ceiling: jinja list (served twice)", servers, same("/"), None))
    for extra, scenarios in setups:
        if not scenarios:
            continue
        envs = [{**served_app_settings(urls[size]), **extra} for size in sizes]
        with Gunicorn("wsgi:app", envs[0], args) as one, Gunicorn("wsgi:app", envs[1], args) as two:
            servers = dict(zip(sizes, (one, two), strict=True))
            for label, paths, queries in scenarios:
                out.append(turn_rounds(args, database, label, servers, paths, queries))
    return out


def turn_rounds(args, database: str, label: str, servers: dict, paths: dict, queries: list | None) -> dict:
    """One scenario in turns on two servers, a size each (see in_turns): each turn's p50 and p99.
    Warmed as in the blocks (searches drawn at random: as long a run as a block's timed one)."""
    seconds = max(2, args.duration // 2)
    query_file = DATA / f"search-queries-{os.getpid()}.txt"
    if queries:
        query_file.write_text("".join(query.replace(" ", "+") + "\n" for query in queries))
    script = {"script": "search.lua", "extra_env": {"BENCH_QUERIES": str(query_file)}} if queries else {}
    sizes = list(servers)
    for size, server in servers.items():
        server.warm(paths[size], seconds=args.duration if queries else 2, **script)
    found: dict[int, list[dict]] = {size: [] for size in sizes}
    for n in range(args.turns):
        for size in sizes if n % 2 == 0 else sizes[::-1]:
            found[size].append(wrk(args, paths[size], seconds=seconds, port=servers[size].port, **script))
    query_file.unlink(missing_ok=True)
    row = {"database": database, "scenario": label, "sizes": sizes, "seconds": seconds}
    for size in sizes:
        row[str(size)] = [{k: run[k] for k in ("p50_ms", "p99_ms", "rps")} for run in found[size]]
    small, large = (median(r["p50_ms"] for r in row[str(s)]) for s in sizes)
    print(
        f"{database:>10} in turns {label:<40} p50 {small:6.1f} -> {large:6.1f} ms ({large / small - 1:+.0%})",
        flush=True,
    )
    return row


def median(values) -> float:
    return statistics.median(list(values))


def wanted(only: set, label: str) -> bool:
    """Whether `--only` keeps this scenario: by its label's first word ("home", "post", "search" ...)."""
    return not only or label.split(" ")[0].rstrip(",") in only


def search_label(label: str, backend: str) -> str:
    return f"{label} ({SEARCH_LABELS[backend]})" if backend != "whoosh" else label


def search_run(
    args, server, database: str, size: int, url: str, ceilings: dict, label: str, queries: list[str], backend="whoosh"
) -> dict:
    """Searches drawn at random from `queries` (search.lua): results nobody asked for yet, mostly.
    The row also tells how many results a page of them shows at this size (`results_per_page`).

    Warmed with as long a run of the same searches as the timed one: a word's posting lists are
    decoded once (forum/search/whoosh_sets.py; since 2026-11-26 21:50 once for every worker, kept in
    the index's `decoded/` folder), 50-190 ms for a common body word at 100,000 posts, so with the 2 s
    of the other scenarios workers met some of the ~70 words for the first time in the timed run (the
    full pages' p99 at 100,000 posts: 143 ms, in 20261126-1933). A server up a while has read them all.
    It was warmed with one repeated search until 2026-11-26 12:00."""
    path = DATA / f"search-queries-{os.getpid()}.txt"
    path.write_text("".join(query.replace(" ", "+") + "\n" for query in queries))
    env = {"BENCH_QUERIES": str(path)}
    server.warm("/search", script="search.lua", extra_env=env, seconds=args.duration)
    row = {
        "database": database,
        "posts": size,
        "scenario": label,
        **wrk(args, "/search", script="search.lua", extra_env=env),
        **ratios(ceilings),
        "results_per_page": results_per_page(url, backend, queries),
    }
    path.unlink()
    print_row(row)
    return row


def mixed(
    args, database: str, size: int, url: str, ceilings: dict[str, float], app_env: dict, targets: dict, viral=False
) -> dict:
    """90% reads, 10% votes, unvotes and comments by signed-in members (mixed.lua), then `flask recount`.

    `viral`: the minutes after a complaint goes viral. Everyone reads the busiest post (and the home
    list), and every vote and comment goes to that post, so its thread grows during the run.

    On a server of its own that writes gunicorn's access log, so reads and writes get their own
    latencies (wrk's cover every request): the server's time for each request, from the log."""
    mixed_file = scenario_data(url, targets, viral)
    log = DATA / f"{'viral' if viral else 'mixed'}-{database}-{size}.log"
    log.unlink(missing_ok=True)
    script = {"BENCH_MIXED": str(mixed_file)}
    with Gunicorn("wsgi:app", app_env, args, access_log=log) as server:
        server.warm("/", script="mixed.lua", extra_env=script)
        # wrk counts the timed run's errors; a 500 in the warm-up (a deadlock did it once) must show too.
        warm_up_errors = sum(int(line.split()[2]) >= 500 for line in log.read_text().splitlines())
        log.write_text("")  # gunicorn appends: what the warm-up wrote goes
        row = {
            "database": database,
            "posts": size,
            "scenario": "viral post, 10% writes on it" if viral else "mixed, 10% writes",
            **wrk(args, "/", script="mixed.lua", extra_env=script),
            **ratios(ceilings),
        }
    if warm_up_errors:
        row["warm_up_errors"] = warm_up_errors
    row.update(latencies_by_kind(log))
    row["recount"] = recount(url)
    print_row(row)
    return row


def scenario_data(url: str, targets: dict, viral: bool) -> Path:
    """mixed.lua's data for the mixed run, or the viral run's (see mixed())."""
    if viral:
        return write_mixed_data(url, ["/?sort=trending", targets["busiest_post"]], [targets["busiest_id"]])
    reads = [f"/?sort={s}" for s in ("trending", "top", "new", "active")] + ["/roadmap"]
    reads += targets["open_pages"]  # the post pages themselves (not the redirect from /posts/<id>)
    return write_mixed_data(url, reads, targets["open_posts"][:500])


def latencies_by_kind(log: Path) -> dict:
    """p50 and p99 of reads (GET), votes and comments in an access log of `METHOD PATH STATUS microseconds`."""
    times: dict[str, list[int]] = {"reads": [], "votes": [], "comments": []}
    for line in log.read_text().splitlines():
        method, path, _status, micros = line.split()
        kind = "reads" if method == "GET" else "comments" if path.endswith("/comments") else "votes"
        times[kind].append(int(micros))
    out = {}
    for kind, found in times.items():
        found.sort()
        if found:
            out[f"{kind}_p50_ms"] = found[len(found) // 2] / 1000
            out[f"{kind}_p99_ms"] = found[min(len(found) - 1, len(found) * 99 // 100)] / 1000
            out[f"{kind}_count"] = len(found)
    return out


def measure_ceilings(args, database: str, size: int, rows: list[dict], before: dict | None = None) -> dict[str, float]:
    """Flask's own ceilings under the same gunicorn and wrk settings: "hello" and a Jinja list page.

    `before`: the ceilings measured before this database and size; these rows, "ceiling after: ...",
    then show how far the machine's speed drifted during the block (ratios to `before`): on a shared
    machine the in-process search page went from 7 to 10 ms of CPU within minutes (20261126-1543)."""
    ceilings = {}
    label = "ceiling after" if before else "ceiling"
    for name, key, module in (("hello", "hello", "bench.hello_app:app"), ("jinja list", "list", "bench.list_app:app")):
        with Gunicorn(module, {"PYTHONPATH": str(ROOT)}, args):
            row = {"database": database, "posts": size, "scenario": f"{label}: {name}", **wrk(args, "/")}
        ceilings[key] = row["rps"]
        rows.append(row)
    for row in rows[-2:]:
        row.update(ratios(before or ceilings))
        print_row(row)
    return ceilings


def ratios(ceilings: dict[str, float]) -> dict[str, float]:
    return {"ceiling_hello": ceilings["hello"], "ceiling_list": ceilings["list"]}


# -- databases -------------------------------------------------------------------
def sizes_for(posts: int) -> dict[str, int]:
    """The data set for a number of posts: 10 votes, 3 comments per post, one member per 2 posts."""
    return {"posts": posts, "votes": posts * 10, "comments": max(posts * 3, 600), "users": max(posts // 2, 200)}


def prepare(database: str, size: int, reseed: bool) -> str:
    if database == "sqlite":
        path = DATA / f"sqlite-{size}.db"
        url = f"sqlite:///{path}"
        if reseed:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
    elif database == "postgresql":
        name = f"forum_bench_{size}"
        url = f"{PG_SERVER}/{name}"
        exists = psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'") == "1"
        if reseed or not exists:
            psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            psql(f'CREATE DATABASE "{name}"')
    else:
        sys.exit(f"unknown database {database!r}: sqlite or postgresql")
    flask(url, "db", "upgrade")
    if reseed:
        shutil.rmtree(search_index(url), ignore_errors=True)
    if post_count(url) != size:
        if post_count(url):
            sys.exit(f"{url} holds posts but not {size}: run with --reseed")
        numbers = sizes_for(size)
        print(f"seeding {database} with {numbers} ...", flush=True)
        flask(url, "bench", "seed", *(f"--{k}={v}" for k, v in numbers.items()), quiet=False)
    built = search_index(url) / "built-by-bench"
    if not built.exists():
        # The seed writes in bulk, around the search index: build it, or search would find nothing.
        print(f"indexing {database} {size} for search ...", flush=True)
        print(flask(url, "search", "reindex").strip(), flush=True)
        built.touch()
    return url


def search_index(url: str) -> Path:
    """Each benchmark database has its own Whoosh index (the default search backend)."""
    return DATA / ("search-" + Path(url.rsplit("/", 1)[-1]).stem)


def app_settings(url: str) -> dict[str, str]:
    return {"DATABASE_URL": url, "SECRET_KEY": SECRET, "SEARCH_INDEX_DIR": str(search_index(url))}


def served_app_settings(url: str) -> dict[str, str]:
    """The forum's settings under gunicorn in the bench: no rate limits (a few connections make every request)."""
    return {**app_settings(url), "RATELIMIT_ENABLED": "0", "PYTHONPATH": str(ROOT)}


def psql(sql: str) -> str:
    out = subprocess.run(
        ["psql", f"{PG_SERVER}/postgres", "-tAc", sql], check=True, capture_output=True, text=True
    ).stdout
    return out.strip()


def flask(url: str, *command: str, quiet: bool = True) -> str:
    env = {**os.environ, **app_settings(url), "FLASK_APP": "wsgi"}
    result = subprocess.run(
        [str(VENV_BIN / "flask"), *command], cwd=ROOT, env=env, capture_output=quiet, text=True, check=False
    )
    if result.returncode:
        sys.exit(f"flask {' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout or ""


def in_app(url: str, code: str, settings: dict | None = None) -> str:
    """Run Python inside the app (with an app context) and return what it prints."""
    script = (
        "import json\nfrom forum import create_app\nfrom forum.extensions import db\n"
        "app = create_app()\nwith app.app_context():\n" + "\n".join("    " + line for line in code.splitlines())
    )
    env = {**os.environ, **app_settings(url), "RATELIMIT_ENABLED": "0", **(settings or {})}
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode:
        sys.exit(f"in-app script failed:\n{result.stderr}")
    return result.stdout


def post_count(url: str) -> int:
    return int(in_app(url, "print(db.session.execute(db.text('SELECT count(*) FROM posts')).scalar())"))


def read_targets(url: str) -> dict:
    """The post with 500 comments, the one with the most, and open posts to vote on and comment."""
    code = """
from sqlalchemy import func, select
from bench.seed import COMMENTED_POST_COMMENTS
from forum.models import Post
busiest = db.session.scalars(select(Post).order_by(Post.comment_count.desc()).limit(1)).one()
# the seeded post with 500 comments (the mixed runs may have added a few): the same page at every size
post = db.session.scalars(
    select(Post).order_by(func.abs(Post.comment_count - COMMENTED_POST_COMMENTS), Post.id).limit(1)).one()
open_posts = db.session.execute(
    select(Post.id, Post.slug).where(Post.status == 'open', Post.deleted_at.is_(None), Post.is_hidden.is_(False))
    .order_by(Post.trending_score.desc()).limit(2000)).all()
print(json.dumps({"commented_post": f"/posts/{post.id}-{post.slug}", "comments": post.comment_count,
                  "busiest_post": f"/posts/{busiest.id}-{busiest.slug}", "busiest_id": busiest.id,
                  "busiest_comments": busiest.comment_count,
                  "open_posts": [i for i, _ in open_posts],
                  "open_pages": [f"/posts/{i}-{slug}" for i, slug in open_posts[:200]]}))
"""
    return json.loads(in_app(url, code))


def varied_words(url: str) -> list[str]:
    """Two of the 42 words of the seeded titles: 1,764 searches (a word may come twice). At 1,000 posts
    their pages hold fewer results than at 100,000 (many pairs never meet in one title)."""
    code = """
from bench.seed import THINGS, VERBS, WHERE
print(json.dumps(sorted({w.lower() for phrase in VERBS + THINGS + WHERE for w in phrase.split() if len(w) > 3})))
"""
    words = json.loads(in_app(url, code))
    return [f"{first} {second}" for first in words for second in words]


def full_page_searches(url: str) -> list[str]:
    """A word of the seeded titles and a word of the seeded bodies (two different stems) whose search
    fills a page (20 results) at this database's size: the smallest of the run, so the pages are full
    at every size, and a size's latency is compared with another's for the same work."""
    code = """
import re
from forum import search
from bench.seed import SENTENCES, THINGS, VERBS, WHERE
from forum.search.query import analyze

def words_of(texts):
    return sorted({w.lower() for text in texts for w in re.findall("[A-Za-z]+", text) if len(w) > 3})

titles = words_of(VERBS + THINGS + WHERE)
bodies = [w for w in words_of(SENTENCES) if w not in titles]
full = [f"{a} {b}" for a in titles for b in bodies if len(set(analyze(a)) | set(analyze(b))) == 2
        and search.search(f"{a} {b}").total >= search.PER_PAGE]
print(json.dumps(full))
"""
    return json.loads(in_app(url, code))


def results_per_page(url: str, backend: str, queries: list[str]) -> float:
    """How many results the first page of these searches shows on average (300 of them, drawn)."""
    code = f"""
import random
from forum import search

queries = random.Random(1).sample({queries!r}, {min(300, len(queries))})
print(sum(len(search.search(q).hits) for q in queries) / len(queries))
"""
    return float(in_app(url, code, {"SEARCH_BACKEND": backend}))


def write_mixed_data(url: str, reads: list[str], posts: list[int]) -> Path:
    """Signed-in sessions (cookie and CSRF token) for the writers, the paths readers fetch and the
    posts writers vote on and comment."""
    code = f"""
from sqlalchemy import select
from forum.models import User
import contextvars

def browser_of(user_id):
    # One cookie jar per member, and requests outside this script's app context: inside it, every
    # request would share one `g`, hence the first member's CSRF token (and writes would fail).
    client = app.test_client()
    with client.session_transaction() as session:
        session['_user_id'] = user_id
        session['_fresh'] = True
    page = client.get('/__bench__').get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = page.index(marker) + len(marker)
    return [client.get_cookie('session').value, page[start:page.index('"', start)]]

members = db.session.scalars(select(User).where(User.role == 'member').order_by(User.id).limit({SESSIONS})).all()
sessions = [contextvars.Context().run(browser_of, user.get_id()) for user in members]
print(json.dumps(sessions))
"""
    sessions = json.loads(in_app(url, code))
    sessions_lua = ", ".join(f"{{{json.dumps(c)}, {json.dumps(t)}}}" for c, t in sessions)
    reads_lua = ", ".join(json.dumps(r) for r in reads)
    posts_lua = ", ".join(str(p) for p in posts)
    lua = f"return {{\n  reads = {{{reads_lua}}},\n  sessions = {{{sessions_lua}}},\n  posts = {{{posts_lua}}},\n}}\n"
    path = DATA / "mixed-data.lua"
    path.write_text(lua)
    return path


def recount(url: str) -> str:
    """`flask recount` after the mixed run: every vote and comment counter must already be exact."""
    out = flask(url, "recount")
    match = re.search(r"Recounted; (\d+) difference", out)
    differences = int(match.group(1)) if match else -1
    return "exact" if differences == 0 else f"{differences} differences"


# -- gunicorn and wrk --------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """gunicorn on 127.0.0.1 with the same settings for the forum and the ceilings."""

    current_port = 0

    def __init__(self, module: str, env: dict, args, access_log: Path | None = None):
        self.module, self.env, self.args, self.access_log = module, env, args, access_log
        self.port = free_port()

    def __enter__(self):
        Gunicorn.current_port = self.port
        command = [
            str(VENV_BIN / "gunicorn"),
            self.module,
            f"--bind=127.0.0.1:{self.port}",
            f"--workers={self.args.workers}",
            f"--worker-class={self.args.worker_class}",
            "--log-level=warning",
        ]
        if self.access_log:  # each request's method, path, status and time in microseconds
            command += [f"--access-logfile={self.access_log}", "--access-logformat=%(m)s %(U)s %(s)s %(D)s"]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env={**os.environ, **self.env}, start_new_session=True, stdout=subprocess.DEVNULL
        )
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.status("/healthz" if self.module == "wsgi:app" else "/") == 200:
                return self
            time.sleep(0.2)
        self.__exit__()
        sys.exit(f"gunicorn {self.module} did not start")

    def status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def warm(self, path: str, script: str = "report.lua", extra_env: dict | None = None, seconds: int = 2) -> None:
        """`seconds` of the same load, not measured: every worker has served the page (compiled its
        templates, filled its caches) before the timed run, as in a server that has been up a while.
        A handful of sequential requests left some workers cold, and their first requests made the p99."""
        self.status(path)
        subprocess.run(
            ["wrk", f"--threads={self.args.threads}", f"--connections={self.args.connections}",
             f"--duration={seconds}s", f"--script={BENCH / script}", f"http://127.0.0.1:{self.port}{path}"],
            capture_output=True, check=True, env={**os.environ, "BENCH_DIR": str(BENCH), **(extra_env or {})},
        )  # fmt: skip

    def __exit__(self, *exc):
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)


def wrk(
    args, path: str, script: str = "report.lua", extra_env: dict | None = None, seconds: int = 0, port: int = 0
) -> dict:
    command = [
        "wrk",
        f"--threads={args.threads}",
        f"--connections={args.connections}",
        f"--duration={seconds or args.duration}s",
        "--timeout=5s",
        f"--script={BENCH / script}",
        f"http://127.0.0.1:{port or Gunicorn.current_port}{path}",
    ]
    env = {**os.environ, "BENCH_DIR": str(BENCH), **(extra_env or {})}
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=True).stdout
    line = next(line for line in out.splitlines() if line.startswith("BENCH "))
    stats = json.loads(line.removeprefix("BENCH "))
    seconds = stats["duration_us"] / 1e6
    return {
        "rps": stats["requests"] / seconds,
        "p50_ms": stats["p50_us"] / 1000,
        "p95_ms": stats["p95_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "errors": stats["socket_errors"] + stats["status_errors"],
        "requests": stats["requests"],
    }


# -- report ----------------------------------------------------------------------
def print_row(row: dict) -> None:
    ratio = f" {row['rps'] / row['ceiling_list']:.0%} of list ceiling"
    extra = f" recount: {row['recount']}" if "recount" in row else ""
    if "warm_up_errors" in row:
        extra += f" and {row['warm_up_errors']} server errors in the warm-up"
    if "results_per_page" in row:
        extra += f" ({row['results_per_page']:.1f} results a page)"
    if "reads_p99_ms" in row:
        kinds = ("reads", "votes", "comments")
        extra += " (p99: " + ", ".join(f"{k} {row.get(f'{k}_p99_ms', 0):.1f} ms" for k in kinds) + ")"
    print(
        f"{row['database']:>10} {row['posts']:>7} {row['scenario']:<22} {row['rps']:8.1f} req/s "
        f"p50 {row['p50_ms']:6.1f} ms p95 {row['p95_ms']:6.1f} ms p99 {row['p99_ms']:6.1f} ms "
        f"errors {row['errors']}{ratio}{extra}",
        flush=True,
    )


def write_results(rows: list[dict], args, turns: list[dict]) -> None:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    if (RESULTS / f"{stamp}.md").exists():  # two short runs in one minute: keep both
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    lines = [
        f"# Benchmark {stamp} UTC",
        "",
        f"{os.cpu_count()} cores; gunicorn {args.workers} {args.worker_class} workers; wrk {args.threads} threads, "
        f"{args.connections} connections, {args.duration} s per scenario. Command: "
        f"`{' '.join(['bench/run.py', *sys.argv[1:]])}`. Ratios are to the ceilings measured just before "
        "each database and size (the `ceiling:` rows above them); the `ceiling after:` rows, measured again at "
        "the end of each block, show how far the machine's speed drifted meanwhile.",
        "",
        "| database | posts | scenario | req/s | vs hello | vs Jinja list | p50 ms | p95 ms | p99 ms | errors "
        "| recount |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['database']} | {row['posts'] or '-'} | {row['scenario']} | {row['rps']:.0f} | "
            f"{row['rps'] / row['ceiling_hello']:.0%} | {row['rps'] / row['ceiling_list']:.0%} | {row['p50_ms']:.1f} | "
            f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {errors_cell(row)} | {row.get('recount', '')} |"
        )
    split = [row for row in rows if "reads_p99_ms" in row]
    if split:
        lines += ["", "Mixed runs, reads, votes and comments apart (the server's time per request, from gunicorn's "
                  "access log; wrk's p50/p99 above cover them all):", ""]  # fmt: skip
        lines += ["| database | posts | scenario | reads | p50 / p99 ms | votes | p50 / p99 ms | comments "
                  "| p50 / p99 ms |"]  # fmt: skip
        lines += ["|---|---:|---|---:|---|---:|---|---:|---|"]
        for row in split:
            cells = [
                f"{row.get(f'{k}_count', 0)} | {row.get(f'{k}_p50_ms', 0):.1f} / {row.get(f'{k}_p99_ms', 0):.1f}"
                for k in ("reads", "votes", "comments")
            ]
            lines.append(f"| {row['database']} | {row['posts']} | {row['scenario']} | " + " | ".join(cells) + " |")
    lines += ["", *target_table(rows)]
    flat = flatness(rows, turns)
    if flat:
        lines += ["", "Latency at the largest size against the smallest (target: p50 within +20%). Judged on the "
                  "sizes measured in turns where the run has them (`--turns`: the two servers side by side, "
                  "small, large, large, small, median of the turns), else on the blocks above, ten minutes "
                  "apart:", ""]  # fmt: skip
        lines += [
            "| database | scenario | p50 in turns | p99 in turns | p50 in blocks | p99 in blocks | p50 within +20% "
            "| results a page |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += flat
    text = "\n".join(lines) + "\n"
    (RESULTS / f"{stamp}.md").write_text(text)
    (RESULTS / f"{stamp}.json").write_text(json.dumps({"rows": rows, "turns": turns}, indent=1))
    print(text)
    print(f"written to {RESULTS / (stamp + '.md')}")


def target_table(rows: list[dict]) -> list[str]:
    """Issue 7's targets, judged on this run's rows for each database and size, by the worst row (the
    flatness target has a table of its own, below). A scenario left out of the run (`--only`) leaves
    its cell blank."""
    blocks: dict[tuple, list[dict]] = {}
    for row in rows:
        if not row["scenario"].startswith("ceiling"):
            blocks.setdefault((row["database"], row["posts"]), []).append(row)
    if not blocks:
        return []

    def own_backend(row: dict) -> bool:
        return "SEARCH_BACKEND" in row["scenario"]

    def writes_clean(row: dict) -> int:
        return int(row.get("recount") != "exact" or row["errors"] > 0 or bool(row.get("warm_up_errors")))

    # (target, the value of each row it judges, the worst of them, whether that one meets it, how it reads);
    # the worst row's scenario is named after it, unless every row met the last target (all alike).
    ms = "{:.1f} ms".format
    checks = [
        ("home list ≥ 50% of the Jinja list ceiling",
         lambda r: r["rps"] / r["ceiling_list"] if r["scenario"].startswith("home") else None,
         min, lambda v: v >= 0.5, "{:.0%}".format),
        ("reads p99 < 50 ms (Whoosh search; the mixed and viral runs' reads)",
         lambda r: None if own_backend(r) else r.get("reads_p99_ms", r["p99_ms"]), max, lambda v: v < 50, ms),
        ("searches' p99 < 50 ms on the database's own search backend",
         lambda r: r["p99_ms"] if own_backend(r) else None, max, lambda v: v < 50, ms),
        ("search p95 < 50 ms (every backend)",
         lambda r: r["p95_ms"] if r["scenario"].startswith("search") else None, max, lambda v: v < 50, ms),
        ("votes exact and no errors in the mixed and viral runs",
         lambda r: writes_clean(r) if "recount" in r else None, max, lambda v: v == 0,
         lambda v: "exact, 0 errors" if v == 0 else "a recount or an error"),
    ]  # fmt: skip
    keys = list(blocks)
    lines = ["Targets, judged on this run (the worst row of each database and size, and its scenario):", ""]
    lines += ["| target | " + " | ".join(f"{database} {posts}" for database, posts in keys) + " |"]
    lines += ["|---|" + "---|" * len(keys)]
    for name, value, worst, ok, show in checks:
        cells = []
        for key in keys:
            found = [(value(row), row["scenario"]) for row in blocks[key] if value(row) is not None]
            if not found:
                cells.append("")
                continue
            v, scenario = worst(found)
            named = "" if name.startswith("votes") and ok(v) else f" ({scenario})"
            cells.append(f"{'met' if ok(v) else '**missed**'}: {show(v)}{named}")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def errors_cell(row: dict) -> str:
    warm_up = row.get("warm_up_errors")
    return f"{row['errors']} (+{warm_up} in the warm-up)" if warm_up else str(row["errors"])


def flatness(rows: list[dict], turns: list[dict]) -> list[str]:
    out = []
    by_key: dict[tuple, dict[int, dict]] = {}
    for row in rows:
        # The Jinja list ceiling is in the table too: how much of a change is the machine's own.
        if row["posts"] and (not row["scenario"].startswith("ceiling") or row["scenario"] == "ceiling: jinja list"):
            by_key.setdefault((row["database"], row["scenario"]), {})[row["posts"]] = row
    in_turns = {(row["database"], row["scenario"]): row for row in turns}
    keys = list(by_key) + [key for key in in_turns if key not in by_key]
    for database, scenario in keys:
        sized = by_key.get((database, scenario), {})
        turned = in_turns.get((database, scenario))
        if len(sized) < 2 and not turned:
            continue
        cells, growths = [], {}
        if turned:
            for kind in ("p50_ms", "p99_ms"):
                small, large = (median(run[kind] for run in turned[str(size)]) for size in turned["sizes"])
                growths[kind] = large / small - 1
                cells.append(f"{small:.1f} → {large:.1f} ({growths[kind]:+.0%})")
        else:
            cells += ["", ""]
        if len(sized) >= 2:
            small, large = sized[min(sized)], sized[max(sized)]
            for kind in ("p50_ms", "p99_ms"):
                growth = large[kind] / small[kind] - 1
                growths.setdefault(kind, growth)
                cells.append(f"{small[kind]:.1f} → {large[kind]:.1f} ({growth:+.0%})")
        else:
            small = large = {}
            cells += ["", ""]
        if scenario.startswith("ceiling"):
            verdict = "(the machine)"
        else:
            verdict = "met" if growths["p50_ms"] <= 0.2 else "**missed**"
            verdict += "" if turned else " (blocks)"
        shown = "results_per_page" in small and "results_per_page" in large
        results = f" {small['results_per_page']:.1f} → {large['results_per_page']:.1f} " if shown else " "
        out.append(f"| {database} | {scenario} | " + " | ".join(cells) + f" | {verdict} |{results}|")
    return out


if __name__ == "__main__":
    main()
