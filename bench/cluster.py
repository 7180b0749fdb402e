"""Mixed load (90% reads, 10% votes, unvotes and comments: mixed.lua) through nginx on two app servers
against the same run on one, with the cluster tests' set-up (tests/cluster/conftest.py), on PostgreSQL.

    .venv/bin/python bench/cluster.py [--seconds 20] [--connections 16] [--workers 2]

Abuse limits are off (RATELIMIT_ENABLED=0): wrk sends everything from one address. Prints one line
per run, then `flask recount` (votes exact after the run: 0 differences)."""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cluster.conftest import build, drop_database, new_database  # noqa: E402

SESSIONS = 100

MIXED_DATA = """
import contextvars, json
from sqlalchemy import select
from forum.models import Post, User
app = __import__('flask').current_app._get_current_object()

def browser_of(user_id):
    client = app.test_client()
    with client.session_transaction() as session:
        session['_user_id'] = user_id
        session['_fresh'] = True
    page = client.get('/__bench__').get_data(as_text=True)
    marker = 'name="csrf-token" content="'
    start = page.index(marker) + len(marker)
    return [client.get_cookie('session').value, page[start:page.index('"', start)]]

members = db.session.scalars(select(User).where(User.role == 'member').order_by(User.id).limit(%d)).all()
sessions = [contextvars.Context().run(browser_of, user.get_id()) for user in members]
posts = db.session.execute(select(Post.id, Post.slug).where(Post.status == 'open').limit(300)).all()
print(json.dumps({'sessions': sessions, 'posts': [i for i, _ in posts],
                  'reads': ['/?sort=trending', '/?sort=top', '/?sort=new', '/roadmap']
                           + [f'/posts/{i}-{s}' for i, s in posts[:150]]}))
"""


def run(servers: int, args) -> dict:
    database_url = new_database()
    folder = Path(tempfile.mkdtemp(prefix=f"cluster-bench-{servers}-"))
    cluster = build(folder, database_url, servers=servers, workers=args.workers, RATELIMIT_ENABLED="0")
    try:
        cluster.flask("bench", "seed", "--posts", "1000", "--votes", "10000", "--comments", "3000", "--users", "300")
        data = json.loads(cluster.python(MIXED_DATA % SESSIONS).splitlines()[-1])
        lua = folder / "mixed-data.lua"
        sessions = ", ".join(f"{{{json.dumps(c)}, {json.dumps(t)}}}" for c, t in data["sessions"])
        lua.write_text(
            f"return {{reads = {{{', '.join(json.dumps(r) for r in data['reads'])}}}, "
            f"sessions = {{{sessions}}}, posts = {{{', '.join(map(str, data['posts']))}}}}}\n"
        )
        env = {**os.environ, "BENCH_DIR": str(ROOT / "bench"), "BENCH_MIXED": str(lua)}
        command = ["wrk", "--threads=2", f"--connections={args.connections}", "--timeout=5s",
                   f"--script={ROOT / 'bench' / 'mixed.lua'}", cluster.url + "/"]  # fmt: skip
        subprocess.run([*command, "--duration=5s"], env=env, capture_output=True, check=True)  # warm up
        out = subprocess.run([*command, f"--duration={args.seconds}s"], env=env, capture_output=True, text=True,
                             check=True).stdout  # fmt: skip
        stats = json.loads(next(line for line in out.splitlines() if line.startswith("BENCH ")).removeprefix("BENCH "))
        recount = cluster.flask("recount").strip().splitlines()[-1]
        return {
            "servers": servers,
            "workers_each": args.workers,
            "rps": round(stats["requests"] / (stats["duration_us"] / 1e6), 1),
            "p50_ms": stats["p50_us"] / 1000,
            "p99_ms": stats["p99_us"] / 1000,
            "errors": stats["socket_errors"] + stats["status_errors"],
            "requests": stats["requests"],
            "recount": recount,
        }
    finally:
        cluster.stop()
        drop_database(database_url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per app server")
    args = parser.parse_args()
    for servers in (1, 2):
        print(json.dumps(run(servers, args)), flush=True)


if __name__ == "__main__":
    main()
