"""`flask search reindex` and `flask search check`."""

import sys
import time

import click

from forum import search


@click.group("search", help="The search index.")
def search_group():
    pass


@search_group.command("reindex")
def reindex():
    """Rebuild the search index from the database (Whoosh: the index folder; PostgreSQL: search_documents)."""
    started = time.perf_counter()
    backend = search.backend()
    count = backend.reindex()
    click.echo(f"Indexed {count} post{'s' if count != 1 else ''} in {time.perf_counter() - started:.1f} s.")


@search_group.command("check")
@click.option("--fix", is_flag=True, help="Re-index the posts that differ.")
def check(fix: bool):
    """Report posts whose index entry differs from the database (exit status 1 if any)."""
    backend = search.backend()
    drift = backend.check()
    for label, ids in (("missing from the index", drift.missing), ("out of date", drift.stale),
                       ("deleted from the database", drift.extra)):  # fmt: skip
        if ids:
            shown = ", ".join(map(str, ids[:20])) + (" …" if len(ids) > 20 else "")
            click.echo(f"{len(ids)} post{'s' if len(ids) != 1 else ''} {label}: {shown}")
    if not drift:
        click.echo("The search index matches the database.")
        return
    if fix:
        if drift.extra:
            backend.remove_from_index(drift.extra)
        backend.add_to_index(sorted({*drift.missing, *drift.stale}))
        click.echo(f"Re-indexed {len(drift.post_ids)} posts.")
        return
    click.echo("Run `flask search check --fix` or `flask search reindex` to repair it.")
    sys.exit(1)
