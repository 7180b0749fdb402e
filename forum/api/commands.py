"""`flask api-key create --user EMAIL --scopes read,write --name N`: prints the key once."""

import click

from forum.extensions import db


@click.group("api-key", help="Keys for the API (/api/v1/).")
def api_key_group():
    pass


@api_key_group.command("create")
@click.option("--user", "email", required=True, help="Email of the account the key acts as.")
@click.option("--scopes", required=True, help="Comma-separated: read, write, staff, admin.")
@click.option("--name", required=True, help="Which system holds the key.")
def create(email: str, scopes: str, name: str):
    """Create a key and print it once (only a digest of it is kept)."""
    from forum.services import Refused, accounts, api_keys

    owner = accounts.find_by_email(email)
    if owner is None or owner.deleted_at is not None:
        raise click.ClickException(f"no account has the email {email}")
    try:
        key, secret = api_keys.create_key(None, owner, name, scopes.split(","))
    except ValueError as problem:
        raise click.BadParameter(str(problem), param_hint="--scopes") from None
    except Refused as refusal:
        raise click.ClickException(refusal.description) from None
    db.session.commit()
    click.echo(secret)
    click.echo(f"Key “{key.name}” (tbk_{key.prefix}_…) for {owner.email}, scopes {', '.join(key.scopes)}. "
               "Copy it now: it is not shown again.", err=True)  # fmt: skip


@api_key_group.command("revoke")
@click.argument("prefix")
def revoke(prefix: str):
    """Revoke the key with this prefix (the part after `tbk_`)."""
    from sqlalchemy import select

    from forum.models import ApiKey, utcnow

    key = db.session.scalars(select(ApiKey).where(ApiKey.prefix == prefix.removeprefix("tbk_").split("_")[0])).first()
    if key is None:
        raise click.ClickException(f"no key has the prefix {prefix}")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        db.session.commit()
    click.echo(f"Key “{key.name}” is revoked.")
