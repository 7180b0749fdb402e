"""A production-shaped site started by the test run: Debian's nginx in front of gunicorn app servers
(separate processes, separate instance folders, as on separate hosts), one PostgreSQL database, a
Redis of its own and one RQ worker, with SEARCH_BACKEND=postgres.

nginx runs the configuration printed in docs/DEPLOY.md, read from there, so the page and what is
tested never part. Every process is started here and stopped at the end; the machine's shared Redis
is never touched, and a fault test that stops a database starts a PostgreSQL server of its own.
"""

import functools
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import HTTPCookieProcessor, HTTPHandler, HTTPRedirectHandler, Request, build_opener

import pytest

from tests.conftest import PASSWORD, POSTGRES_URL, TEST_DATABASE

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
DEPLOY_DOC = ROOT / "docs" / "DEPLOY.md"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PG_BIN = Path("/usr/lib/postgresql/15/bin")
SECRET = "cluster-test-secret"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/cluster/" in str(item.path):
            item.add_marker(pytest.mark.cluster)
            # One xdist worker runs them all (`--dist loadgroup` in the Makefile): they share the servers.
            item.add_marker(pytest.mark.xdist_group("cluster"))
            if TEST_DATABASE != "postgresql":
                item.add_marker(
                    pytest.mark.skip(
                        reason="several app servers share one PostgreSQL database; "
                        "a SQLite file belongs to one machine (runs in the PostgreSQL run)"
                    )
                )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
            if result:
                return result
        except (OSError, URLError):
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up after {timeout} s waiting for {what}")
        time.sleep(interval)


# -- a browser, as far as the tests need one ----------------------------------------------------
class _KeepRedirects(HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # the test reads the 303 itself


@dataclass
class Answer:
    status: int
    headers: dict
    text: str

    @property
    def served_by(self) -> str:
        return self.headers.get("X-Upstream", "")

    def json(self):
        return json.loads(self.text)


class _FromAddress(HTTPHandler):
    """Connect from a loopback address of our choosing (127.0.0.0/8 is all ours on Linux)."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, request):
        return self.do_open(functools.partial(HTTPConnection, source_address=(self.address, 0)), request)


_addresses = (f"127.0.{n // 250 + 1}.{n % 250 + 1}" for n in itertools.count())


class Browser:
    """One person's browser on a machine of its own: cookies, the CSRF token of the last page that
    carried one, and its own address, so that abuse limits per address count each person apart."""

    def __init__(self, base: str, address: str | None = None):
        self.base = base
        self.jar = CookieJar()
        self.address = address or next(_addresses)
        self.opener = build_opener(HTTPCookieProcessor(self.jar), _KeepRedirects, _FromAddress(self.address))
        self.token: str | None = None

    def request(self, method: str, path: str, data: dict | None = None, headers: dict | None = None) -> Answer:
        body = urlencode(data).encode() if data is not None else None
        request = Request(self.base + path, data=body, method=method, headers=headers or {})
        try:
            response = self.opener.open(request, timeout=15)
        except HTTPError as error:
            response = error
        text = response.read().decode("utf-8", "replace")
        found = re.search(r'<(?:meta|input)[^>]*name="csrf[-_]token"[^>]*(?:content|value)="([^"]+)"', text)
        if found:
            self.token = found.group(1)
        return Answer(response.status, dict(response.headers.items()), text)

    def get(self, path: str, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None, **kwargs) -> Answer:
        # A member's form page carries a token; a visitor's sign-in page does.
        if self.token is None and self.get("/posts/new").status != 200:
            self.get("/login")
        return self.request("POST", path, {**(data or {}), "csrf_token": self.token}, **kwargs)

    def sign_in(self, email: str, password: str = PASSWORD) -> Answer:
        self.get("/login")
        answer = self.post("/login", {"email": email, "password": password})
        self.token = None  # signing in rotates the token
        return answer

    def session_cookie(self) -> str | None:
        return next((c.value for c in self.jar if c.name == "session"), None)


# -- the pieces ---------------------------------------------------------------------------------
@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path

    def stop(self, sig=signal.SIGTERM, timeout: float = 10) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""


def start(name: str, command: list[str], folder: Path, env: dict | None = None) -> Process:
    log = folder / f"{name}.log"
    handle = log.open("ab")
    popen = subprocess.Popen(command, env=env, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                             start_new_session=True)  # fmt: skip
    handle.close()
    return Process(name, popen, log)


def nginx_site_block() -> str:
    """The ```nginx block of docs/DEPLOY.md: what an operator copies, and what the tests run."""
    found = re.search(r"```nginx\n(.*?)```", DEPLOY_DOC.read_text(), re.DOTALL)
    assert found, "docs/DEPLOY.md has no ```nginx block"
    return found.group(1)


@dataclass
class Cluster:
    folder: Path
    database_url: str
    redis_port: int
    nginx_port: int = field(default_factory=free_port)
    servers: dict[str, Process] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    others: dict[str, Process] = field(default_factory=dict)
    run: str = field(default_factory=lambda: uuid.uuid4().hex[:8])

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.nginx_port}"

    def env(self, instance: str, **extra) -> dict:
        folder = self.folder / instance
        folder.mkdir(exist_ok=True)
        base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "PROMETHEUS", "FLASK_"))}
        return {
            **base,
            "FLASK_APP": "wsgi",
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "SECRET_KEY": SECRET,
            "SITE_URL": self.url,
            "TRUST_PROXY_HEADERS": "1",
            "SEARCH_BACKEND": "postgres",
            "INSTANCE_PATH": str(folder),
            "FORM_MIN_FILL_SECONDS": "0",
            "SIGNUP_EMAIL_LINK": "0",
            "DATABASE_CONNECT_TIMEOUT": "2",
            "OUTBOX_SWEEP_SECONDS": "1",
            **extra,
        }

    def flask(self, *arguments: str) -> str:
        done = subprocess.run([str(BIN / "flask"), *arguments], env=self.env("commands"), cwd=ROOT,
                              capture_output=True, text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, f"flask {' '.join(arguments)}: {done.stdout}{done.stderr}"
        return done.stdout

    def start_server(self, name: str, workers: int = 2, **extra) -> Process:
        port = self.ports.setdefault(name, free_port())
        env = self.env(name, PROMETHEUS_MULTIPROC_DIR=str(self.folder / name / "metrics"), **extra)
        command = [str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--bind", f"127.0.0.1:{port}",
                   "--workers", str(workers), "--graceful-timeout", "5", "wsgi:app"]  # fmt: skip
        process = start(name, command, self.folder, env)
        self.servers[name] = process
        wait_until(lambda: self.direct(name, "/healthz").status == 200 or process.popen.poll() is not None,
                   60, f"app server {name}")  # fmt: skip
        assert process.popen.poll() is None, process.tail()
        return process

    def python(self, code: str) -> str:
        """Run `code` inside the app (with `db` at hand), as a maintenance script on a host would."""
        script = "from forum import create_app\nfrom forum.extensions import db\nwith create_app().app_context():\n"
        script += "".join(f"    {line}\n" for line in code.splitlines())
        done = subprocess.run([str(BIN / "python"), "-c", script], env=self.env("commands"), cwd=ROOT,
                              capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    def sql(self, query: str):
        """The first column of the first row of `query`, read straight from the database."""
        return self.rows(query)[0]

    def rows(self, query: str, whole: bool = False) -> list:
        """The first column of each row of `query` (or whole rows), read straight from the database."""
        import psycopg

        with psycopg.connect(self.database_url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            return [row if whole else row[0] for row in conn.execute(query).fetchall()]

    def workers_of(self, name: str) -> list[int]:
        """The process ids of an app server's gunicorn workers."""
        pid = self.servers[name].popen.pid
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def upstreams(self) -> list[str]:
        return [f"127.0.0.1:{self.ports[name]}" for name in self.servers]

    def direct(self, name: str, path: str) -> Answer:
        """A request straight to one app server, bypassing nginx (as Prometheus and health checks do)."""
        return Browser(f"http://127.0.0.1:{self.ports[name]}", "127.0.0.1").get(path)

    def start_worker(self, **extra) -> Process:
        self.others["worker"] = start(
            "worker", [str(BIN / "flask"), "notifications", "worker"], self.folder, self.env("worker", **extra)
        )
        return self.others["worker"]

    def start_nginx(self) -> Process:
        upstreams = "".join(
            f"    server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;\n" for port in self.ports.values()
        )
        site = re.sub(r"(upstream forum \{\n)(?:\s*server [^\n]+\n)+", lambda m: m.group(1) + upstreams,
                      nginx_site_block())  # fmt: skip
        site = site.replace("listen 80;", f"listen 127.0.0.1:{self.nginx_port};")
        prefix = self.folder / "nginx"
        prefix.mkdir(exist_ok=True)
        temp = "".join(f"{kind}_temp_path {prefix}/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))  # fmt: skip
        user = "user root;\n" if os.geteuid() == 0 else ""  # workers must write the temp folders above
        (prefix / "nginx.conf").write_text(
            f"{user}daemon off;\nworker_processes 1;\npid {prefix}/nginx.pid;\nerror_log {prefix}/error.log;\n"
            f"events {{ worker_connections 512; }}\n"
            f"http {{\naccess_log {prefix}/access.log;\n{temp}"
            # Which app server answered, for the tests that alternate between them.
            f"add_header X-Upstream $upstream_addr always;\n{site}\n}}\n"
        )
        process = start("nginx", [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-e",
                                  str(prefix / "error.log")], self.folder)  # fmt: skip
        self.others["nginx"] = process
        wait_until(lambda: Browser(self.url).get("/healthz").status == 200 or process.popen.poll() is not None,
                   20, "nginx")  # fmt: skip
        assert process.popen.poll() is None, (prefix / "error.log").read_text()
        return process

    def stop(self) -> None:
        processes = [*self.others.values(), *self.servers.values()]
        for process in processes:  # all at once: each takes its time to finish
            if process.popen.poll() is None:
                process.popen.terminate()
        for process in processes:
            process.stop()


def start_redis(folder: Path, port: int | None = None) -> tuple[Process, int]:
    port = port or free_port()
    process = start(f"redis-{port}", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(folder)], folder)  # fmt: skip
    wait_until(lambda: _answers(port), 10, "redis-server")
    return process, port


def _answers(port: int) -> bool:
    with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
        conn.sendall(b"PING\r\n")
        return conn.recv(16).startswith(b"+PONG")


def new_database(server_url: str = POSTGRES_URL) -> str:
    import psycopg

    base = server_url.replace("postgresql+psycopg://", "postgresql://")
    name = f"forum_cluster_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(url: str) -> None:
    """In the background: DROP DATABASE waits for a checkpoint, which on a busy shared server took
    most of a minute, and nothing in the run needs to wait for it."""
    base, name = url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)
    statement = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    subprocess.run(["sh", "-c", 'psql "$1" -qc "$2" >/dev/null 2>&1 &', "drop", base + "/postgres", statement],
                   check=True)  # fmt: skip


def build(folder: Path, database_url: str, servers: int = 2, worker: bool = True, **extra) -> Cluster:
    if not Path(NGINX).exists():
        pytest.fail("nginx is not installed: `make test` installs Debian's nginx-light (or apt-get install nginx)")
    redis, redis_port = start_redis(folder)
    cluster = Cluster(folder=folder, database_url=database_url, redis_port=redis_port)
    cluster.others["redis"] = redis
    try:
        cluster.flask("db", "upgrade")
        cluster.flask("user", "create", "staff@example.com", "--password", PASSWORD, "--role", "staff")
        for name in ("a", "b")[:servers]:
            cluster.start_server(name, **extra)
        if worker:
            cluster.start_worker()
        cluster.start_nginx()
    except BaseException:
        cluster.stop()
        raise
    return cluster


@pytest.fixture(scope="session")
def cluster(tmp_path_factory):
    """Two app servers behind nginx on the shared PostgreSQL server, with their own Redis."""
    database_url = new_database()
    cluster = build(tmp_path_factory.mktemp("cluster"), database_url)
    yield cluster
    cluster.stop()
    drop_database(database_url)


@pytest.fixture(autouse=True)
def _clean_database():
    """These tests use the cluster's own database, not the suite's (tests/conftest.py)."""
    yield


class OwnPostgres:
    """A PostgreSQL server of the test's own (Debian's binaries, a fresh data folder), which a fault
    test may stop and start: the machine's shared server is never touched."""

    def __init__(self):
        # Not under pytest's folder: that one is private to root, and the server runs as postgres.
        self.folder = Path(tempfile.mkdtemp(prefix="forum-postgres-"))
        self.data = self.folder / "pgdata"
        self.port = free_port()
        # PostgreSQL refuses to run as root: as root, the server runs as the postgres account.
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def _run(self, *command: str) -> None:
        done = subprocess.run([*self.as_user, *command], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"{command[0]}: {done.stdout}{done.stderr}"

    def init(self) -> "OwnPostgres":
        if not (PG_BIN / "initdb").exists():
            pytest.fail(f"PostgreSQL's server binaries are not in {PG_BIN} (Debian's postgresql-15 package)")
        if self.as_user:
            shutil.chown(self.folder, "postgres", "postgres")
        self._run(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        self.start()
        return self

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-l", str(self.folder / "pg.log"),
                  "-w", "-t", "30", "start")  # fmt: skip

    def stop(self) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "-t", "30", "stop")

    def remove(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
