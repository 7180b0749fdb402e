"""`flask notifications deliver | digest | worker | dead`: the email outbox from the command line."""

import click
from flask import current_app
from sqlalchemy import select, update

from forum.extensions import db
from forum.models import OutboxMessage
from forum.services import delivery


@click.group("notifications", help="The email outbox: deliver, send digests, run the RQ worker.")
def notifications_group():
    pass


@notifications_group.command("deliver")
def deliver_command():
    """Send every pending instant email now (a cron job, when DELIVERY=manual)."""
    total = 0
    while sent := delivery.deliver_pending():
        total += sent
    click.echo(f"{total} emails sent.")


@notifications_group.command("digest")
def digest_command():
    """Send the daily digests (run once a day from cron)."""
    click.echo(f"{delivery.send_digests()} digests sent.")


@notifications_group.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker_command(burst: bool):
    """Run the RQ worker that delivers emails queued after each commit (needs REDIS_URL)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    url = current_app.config.get("REDIS_URL")
    if not url:
        raise click.ClickException("REDIS_URL is not set: without Redis, emails are delivered in-process.")
    connection = Redis.from_url(url)
    # SimpleWorker runs jobs in this process, inside this app context.
    SimpleWorker([Queue("notifications", connection=connection)], connection=connection).work(burst=burst)


@notifications_group.command("dead")
@click.option("--retry", is_flag=True, help="Put every dead letter back in the queue.")
def dead_command(retry: bool):
    """List emails given up after repeated failures (and optionally retry them)."""
    dead = db.session.scalars(select(OutboxMessage).where(OutboxMessage.dead_at.is_not(None))).all()
    for message in dead:
        click.echo(f"{message.id}\tuser {message.user_id}\t{message.attempts} attempts\t{message.last_error}")
    if retry and dead:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([m.id for m in dead]))
            .values(dead_at=None, attempts=0, claimed_at=None)
        )
        db.session.commit()
        click.echo(f"{len(dead)} messages queued again.")
    elif not dead:
        click.echo("No dead letters.")
