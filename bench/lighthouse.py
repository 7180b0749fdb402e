"""Lighthouse (npm `lighthouse`, Debian's Chromium) on the demo site: the home list, a post, the
roadmap, a search and the changelog, as a phone (Lighthouse's default) and as a desktop.

    .venv/bin/python bench/lighthouse.py            # prints the table, writes bench/results/lighthouse-*.json/.md

The site is what `make run` serves: a fresh SQLite database with `flask demo load`, behind gunicorn
on a free port (no proxy, so no compression unless the app does it). Lighthouse's own packages live
in bench/lighthouse/ (installed here with `npm ci` on first use), apart from the test tools.
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "bench" / "lighthouse"
BIN = ROOT / ".venv" / "bin"
CHROMIUM = "/usr/bin/chromium"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
FORM_FACTORS = ("mobile", "desktop")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def install_lighthouse() -> Path:
    tool = HERE / "node_modules" / ".bin" / "lighthouse"
    if not tool.exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=HERE, check=True)
    return tool


def serve_demo(folder: Path, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{folder / 'forum.db'}",
        "INSTANCE_PATH": str(folder),
        "SECRET_KEY": "lighthouse-bench",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "RATELIMIT_ENABLED": "0",
    }
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([str(BIN / "flask"), *command], env=env, cwd=ROOT, check=True, capture_output=True)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            with urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                raise SystemExit("the demo site did not start") from None
            time.sleep(0.3)


def pages(base: str) -> dict[str, str]:
    """The five pages, with the post taken from the home list (the demo's first post there)."""
    home = urlopen(base + "/", timeout=10).read().decode()
    post = re.search(r'href="(/posts/\d+-[^"#?]+)"', home)
    assert post, "no post link on the home page"
    return {
        "home": "/",
        "post": post.group(1),
        "roadmap": "/roadmap",
        "search": "/search?q=export",
        "changelog": "/changelog",
    }


def audit(tool: Path, url: str, form_factor: str) -> dict:
    command = [
        str(tool),
        url,
        "--quiet",
        "--output=json",
        "--output-path=stdout",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
    ]
    if form_factor == "desktop":
        command.append("--preset=desktop")
    done = subprocess.run(command, env={**os.environ, "CHROME_PATH": CHROMIUM}, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"lighthouse failed on {url}: {done.stderr[-2000:]}")
    report = json.loads(done.stdout)
    scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
    # What kept a category under 100: the failing audits, by title.
    failing = sorted(
        {
            report["audits"][ref["id"]]["title"]
            for name in CATEGORIES
            for ref in report["categories"][name]["auditRefs"]
            if ref["weight"] > 0 and (report["audits"][ref["id"]].get("score") or 0) < 0.9
            and report["audits"][ref["id"]].get("scoreDisplayMode") in ("binary", "numeric")
        }
    )  # fmt: skip
    return {"scores": scores, "failing": failing, "lighthouse": report["lighthouseVersion"]}


def main() -> None:
    if not Path(CHROMIUM).exists() or not shutil.which("npm"):
        raise SystemExit("needs Debian's Chromium (/usr/bin/chromium) and npm")
    tool = install_lighthouse()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="forum-lighthouse-") as folder:
        server = serve_demo(Path(folder), port)
        try:
            results = []
            for name, path in pages(base).items():
                for form_factor in FORM_FACTORS:
                    found = audit(tool, base + path, form_factor)
                    results.append({"page": name, "path": path, "form_factor": form_factor, **found})
                    print(name, form_factor, found["scores"], "; ".join(found["failing"]), flush=True)
        finally:
            server.terminate()
            server.wait(10)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M")
    out = ROOT / "bench" / "results"
    (out / f"lighthouse-{stamp}.json").write_text(json.dumps(results, indent=2) + "\n")
    lines = ["| page | form factor | performance | accessibility | best practices | SEO | below 0.9 |",
             "|---|---|---|---|---|---|---|"]  # fmt: skip
    for r in results:
        s = r["scores"]
        lines.append(f"| {r['page']} | {r['form_factor']} | {s['performance']} | {s['accessibility']} | "
                     f"{s['best-practices']} | {s['seo']} | {'; '.join(r['failing']) or '–'} |")  # fmt: skip
    table = "\n".join(lines) + "\n"
    (out / f"lighthouse-{stamp}.md").write_text(f"Lighthouse {results[0]['lighthouse']}, {stamp} UTC\n\n{table}")
    print(table)
    print(f"written bench/results/lighthouse-{stamp}.json and .md", file=sys.stderr)


if __name__ == "__main__":
    main()
