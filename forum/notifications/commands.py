"""`flask notifications deliver | digest | worker | dead`: the email outbox from the command line."""

import threading
import time

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
    """Send every pending instant email and every webhook delivery due now (a cron job, when DELIVERY=manual)."""
    from forum.services import webhooks

    attempted = 0
    while done := webhooks.deliver_due():
        attempted += done
    total = 0
    while sent := delivery.deliver_pending():
        total += sent
    click.echo(f"{total} emails sent.")
    if attempted:
        click.echo(f"{attempted} webhook deliveries attempted.")


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
    queue = Queue("notifications", connection=connection)
    if not burst:
        _sweep_every(current_app.config["OUTBOX_SWEEP_SECONDS"], queue)
    # SimpleWorker runs jobs in this process, inside this app context.
    SimpleWorker([queue], connection=connection).work(burst=burst)


def _sweep_every(seconds: float, queue) -> None:
    """Queue a delivery run every `seconds` whatever happened: emails written while Redis was down
    (their job could not be queued) or whose job was lost with Redis' memory wait in the outbox table,
    and leave with the next sweep after Redis is back. A run with nothing pending costs one query."""
    from redis import RedisError

    def sweep():
        while True:
            time.sleep(seconds)
            try:
                if not queue.count:  # a run already waiting will take everything pending
                    queue.enqueue(delivery.run_job, job_timeout=600)
            except RedisError:
                pass  # the worker itself says so, and retries its connection

    threading.Thread(target=sweep, name="outbox-sweep", daemon=True).start()


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
