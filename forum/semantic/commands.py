"""`flask similar reindex | check`: the posts' sentence vectors."""

import click

from forum import semantic


@click.group("similar", help="Sentence vectors for similar posts, likely duplicates and themes.")
def similar_group():
    pass


@similar_group.command("reindex")
@click.option("--batch", default=64, show_default=True, help="Posts embedded and written per transaction.")
def similar_reindex(batch: int):
    """Compute the vectors of posts that have none or whose text changed. Safe to stop and run again:
    each batch is committed, and the next run starts with what is still missing."""
    problem = semantic.problem()
    if problem:  # a slim install: nothing to compute, and `make run` goes on
        click.echo(f"No sentence model, so nothing to compute (similar posts are lexical): {problem}")
        return
    todo = semantic.out_of_date()
    if not todo:
        click.echo("Every post's vector is up to date.")
        return
    with click.progressbar(length=len(todo), label=f"Embedding {len(todo)} posts", show_eta=True) as bar:
        done = semantic.reindex(todo, bar.update, batch=batch)
    click.echo(f"{done} post vectors written.")


@similar_group.command("check")
def similar_check():
    """Say how many posts lack an up-to-date vector (exit 1 if any)."""
    problem = semantic.problem()
    if problem:
        raise click.ClickException(f"lexical matching only: {problem}")
    missing = semantic.out_of_date()
    click.echo(f"{len(missing)} posts without an up-to-date vector.")
    if missing:
        raise SystemExit(1)
