"""`flask backup create PATH` and `flask backup restore PATH`: the database and the instance secret in one file.

A backup is a tar archive holding
- `database.dump`: PostgreSQL's own archive, made by `pg_dump --format=custom` (consistent while the site
  runs: one snapshot), or `database.sqlite3`: a copy made through SQLite's online backup API (consistent
  while the site writes, unlike copying the file);
- `secret_key`: the instance folder's secret, when the site uses it rather than SECRET_KEY, so that
  sessions, unsubscribe links and password-reset links keep working on the restored site;
- `manifest.json`: when, from which database, at which migration, and how many posts, votes and comments.

The search index is not in it: it is derived from the database, and `restore` rebuilds it (as
`flask search reindex` does). Emailed files in the outbox folder are not either: what was sent is
recorded in the database.
"""

import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import make_url

from forum.extensions import db
from forum.models import Comment, Post, Vote

FORMAT = 1


@click.group("backup", help="Back up and restore the database and the instance secret.")
def backup_group():
    pass


@backup_group.command("create")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
def create_command(path: str):
    """Write a backup of the database (and the instance secret) to PATH."""
    manifest = create(Path(path))
    counts = manifest["counts"]
    click.echo(
        f"Backed up {counts['posts']} posts, {counts['votes']} votes and {counts['comments']} comments to {path}."
    )


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def restore_command(path: str):
    """Restore PATH into the configured database, which must be empty, then rebuild the search index."""
    try:
        manifest = restore(Path(path))
    except RestoreRefused as refused:
        raise click.ClickException(str(refused)) from None
    counts = manifest["counts"]
    click.echo(
        f"Restored {counts['posts']} posts, {counts['votes']} votes and {counts['comments']} comments "
        f"from a backup of {manifest['created_at']}; the search index was rebuilt."
    )


class RestoreRefused(Exception):
    pass


def create(path: Path) -> dict:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    manifest = {
        "format": FORMAT,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": url.get_backend_name(),
        "migration": db.session.scalar(text("SELECT version_num FROM alembic_version")),
        "counts": _counts(),
        "search_index": "not included: rebuilt from the database by `flask backup restore` (flask search reindex)",
    }
    db.session.rollback()
    with tempfile.TemporaryDirectory() as work:
        if url.get_backend_name() == "postgresql":
            dump = Path(work) / "database.dump"
            _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}"], url)
        else:
            dump = Path(work) / "database.sqlite3"
            with closing(sqlite3.connect(url.database)) as source, closing(sqlite3.connect(dump)) as copy:
                source.backup(copy)
        partial = path.with_name(f".{path.name}.partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(dump, arcname=dump.name)
            secret = Path(current_app.instance_path) / "secret_key"
            if secret.exists() and secret.read_text().strip() == current_app.config["SECRET_KEY"]:
                archive.add(secret, arcname="secret_key")  # the site's key (else SECRET_KEY is set apart)
            _add_bytes(archive, "manifest.json", json.dumps(manifest, indent=2).encode())
        partial.chmod(0o600)  # it holds the secret key and every account's password hash
        partial.rename(path)
    return manifest


def restore(path: Path) -> dict:
    url = make_url(current_app.config["SQLALCHEMY_DATABASE_URI"])
    with tarfile.open(path) as archive, tempfile.TemporaryDirectory() as work:
        archive.extractall(work, filter="data")
        manifest = json.loads((Path(work) / "manifest.json").read_text())
        if manifest["database"] != url.get_backend_name():
            raise RestoreRefused(
                f"this backup is of a {manifest['database']} database and DATABASE_URL names a "
                f"{url.get_backend_name()} one"
            )
        tables = inspect(db.engine).get_table_names()
        db.session.remove()
        if tables:
            raise RestoreRefused(
                f"the database at {url.render_as_string(hide_password=True)} already has tables "
                f"({', '.join(sorted(tables)[:5])}...): restore into an empty database, so nothing is overwritten"
            )
        db.engine.dispose()  # no pooled connection may outlive the tables it saw
        if url.get_backend_name() == "postgresql":
            dump = Path(work) / "database.dump"
            _run(["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
                  str(dump)], url, database_flag=True)  # fmt: skip
        else:
            copy = Path(work) / "database.sqlite3"
            with closing(sqlite3.connect(copy)) as source, closing(sqlite3.connect(url.database)) as target:
                source.backup(target)
        secret = Path(work) / "secret_key"
        kept = Path(current_app.instance_path) / "secret_key"
        if secret.exists() and not kept.exists():
            shutil.copyfile(secret, kept)
            kept.chmod(0o600)
    from forum import search

    search.backend().reindex()
    db.session.commit()
    return manifest


def _counts() -> dict[str, int]:
    return {
        "posts": db.session.scalar(select(func.count()).select_from(Post)),
        "votes": db.session.scalar(select(func.count()).select_from(Vote)),
        "comments": db.session.scalar(select(func.count()).select_from(Comment)),
    }


def _run(command: list[str], url, *, database_flag: bool = False) -> None:
    """Run pg_dump or pg_restore against `url`, its password in the environment (not in `ps`)."""
    if shutil.which(command[0]) is None:
        raise click.ClickException(
            f"{command[0]} is not installed: install PostgreSQL's client programs of the server's version "
            "(Debian: apt-get install postgresql-client)"
        )
    target = url.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    environment = {**os.environ, **({"PGPASSWORD": url.password} if url.password else {})}
    arguments = [*command[:-1], f"--dbname={target}", command[-1]] if database_flag else [*command, target]
    finished = subprocess.run(arguments, env=environment, capture_output=True, text=True)
    if finished.returncode != 0:
        raise click.ClickException(f"{command[0]} failed: {finished.stderr.strip()}")


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(datetime.now(UTC).timestamp())
    info.mode = 0o600
    archive.addfile(info, io.BytesIO(data))
