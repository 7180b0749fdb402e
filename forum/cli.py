"""Flask commands: `flask --app wsgi demo load | user create | recount`."""

import click
from flask import Flask

from forum.api.commands import api_key_group
from forum.backup import backup_group
from forum.extensions import db
from forum.models import Role
from forum.notifications.commands import notifications_group
from forum.search.commands import search_group
from forum.semantic.commands import similar_group
from forum.webhooks.commands import webhooks_group


def register_commands(app: Flask) -> None:
    app.cli.add_command(demo_group)
    app.cli.add_command(user_group)
    app.cli.add_command(recount_command)
    app.cli.add_command(notifications_group)
    app.cli.add_command(search_group)
    app.cli.add_command(similar_group)
    app.cli.add_command(bench_group)
    app.cli.add_command(backup_group)
    app.cli.add_command(api_key_group)
    app.cli.add_command(webhooks_group)


@click.group("demo", help="Demonstration data.")
def demo_group():
    pass


@demo_group.command("load")
@click.option("--seed", default=7, show_default=True, help="Random seed, for the same data every time.")
def demo_load(seed: int):
    """Load the demo forum from forum/demo/*.yaml, once (skipped when posts exist)."""
    from forum.demo import load_demo

    summary = load_demo(seed=seed)
    if summary is None:
        click.echo("The database already has posts; demo data not loaded.")
        return
    db.session.commit()
    click.echo(summary)


@click.group("user", help="Accounts.")
def user_group():
    pass


@user_group.command("create")
@click.argument("email")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), default=Role.MEMBER.value, show_default=True)
@click.option("--name", "display_name", help="Display name (defaults to the part of the email before @).")
def user_create(email: str, password: str, role: str, display_name: str | None):
    """Create an account with the given role."""
    from forum.services import accounts

    if len(password) < accounts.PASSWORD_MIN:
        raise click.BadParameter(f"use at least {accounts.PASSWORD_MIN} characters", param_hint="--password")
    try:
        user = accounts.create_user(email, password, display_name or email.split("@")[0], Role(role))
    except accounts.EmailTaken:
        raise click.ClickException(f"an account with the email {email} already exists") from None
    db.session.commit()
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")


@click.command("recount")
def recount_command():
    """Rebuild every vote and comment counter from the rows and report differences."""
    from forum.services.counters import recount

    drift = recount()
    db.session.commit()
    for item in drift:
        click.echo(f"post {item.post_id}: {item.field} was {item.stored}, is {item.actual}")
    click.echo(f"Recounted; {len(drift)} difference{'s' if len(drift) != 1 else ''} fixed.")


@click.group("bench", help="Benchmark data (the generator lives in bench/seed.py, beside the benchmark).")
def bench_group():
    pass


@bench_group.command("seed")
@click.option("--posts", default=1000, show_default=True, type=click.IntRange(1))
@click.option("--votes", default=10000, show_default=True, type=click.IntRange(1))
@click.option("--comments", default=3000, show_default=True, type=click.IntRange(0))
@click.option("--users", default=500, show_default=True, type=click.IntRange(1))
@click.option("--seed", "rng_seed", default=1, show_default=True, help="Random seed, for the same data every time.")
def bench_seed(posts: int, votes: int, comments: int, users: int, rng_seed: int):
    """Add a large, skewed forum in bulk (counters consistent: `recount` finds nothing)."""
    import time

    # Imported here, not at the top: the generator is benchmark code, never loaded by a served app.
    try:
        from bench.seed import seed
    except ModuleNotFoundError as error:
        if error.name not in ("bench", "bench.seed"):
            raise
        raise click.ClickException("bench seed needs the bench/ folder of a source checkout") from None

    started = time.perf_counter()
    try:
        summary = seed(posts=posts, votes=votes, comments=comments, users=users, rng_seed=rng_seed, log=click.echo)
    except ValueError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"{summary} ({time.perf_counter() - started:.1f} s)")
