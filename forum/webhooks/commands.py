"""`flask webhooks add | list`: endpoints from the command line (an install's first setup, scripts)."""

import click

from forum.extensions import db
from forum.models import EndpointType, WebhookEvent
from forum.services import webhooks
from forum.webhooks.transport import UnsafeTarget


@click.group("webhooks", help="Webhook endpoints.")
def webhooks_group():
    pass


@webhooks_group.command("add")
@click.argument("url")
@click.option("--events", required=True, help="Events separated by commas, e.g. post.created,comment.created")
@click.option("--type", "type_", type=click.Choice([t.value for t in EndpointType]), default="standard",
              show_default=True)  # fmt: skip
def add_command(url: str, events: str, type_: str):
    """Add an endpoint and print its signing secret, once."""
    chosen = [name.strip() for name in events.split(",") if name.strip()]
    known = {e.value for e in WebhookEvent}
    unknown = [name for name in chosen if name not in known]
    if unknown or not chosen:
        raise click.BadParameter(f"choose from {', '.join(sorted(known))}", param_hint="--events")
    try:
        endpoint, secret = webhooks.create_endpoint(None, url, chosen, EndpointType(type_))
    except UnsafeTarget as refused:
        raise click.ClickException(str(refused)) from None
    db.session.commit()
    click.echo(f"Added endpoint {endpoint.id}: {endpoint.url} ({', '.join(endpoint.events)}).")
    click.echo(f"Secret (shown once): {secret}")


@webhooks_group.command("list")
def list_command():
    """The endpoints, their events and whether they are enabled (never their secrets)."""
    for endpoint in webhooks.endpoints():
        state = "enabled" if endpoint.enabled else f"disabled ({endpoint.disabled_reason or 'by an admin'})"
        click.echo(f"{endpoint.id}\t{endpoint.type}\t{endpoint.url}\t{','.join(endpoint.events)}\t{state}")
