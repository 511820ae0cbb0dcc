"""``substitute keys create|list|revoke``."""

from __future__ import annotations

import click

from substitute.cli.context import AppContext, main, pass_app

_SCOPES = ("pos", "buyer", "ops", "admin")


@main.group()
def keys() -> None:
    """Manage API keys (scoped, optionally bound to stores; stored only as a hash)."""


@keys.command("create")
@click.option("--name", required=True, help="Who or what uses the key, e.g. 'ginza POS 3'.")
@click.option("--scope", "scopes", multiple=True, required=True, type=click.Choice(_SCOPES))
@click.option("--store", "stores", multiple=True, help="Bind the key to these stores (repeatable).")
@pass_app
def keys_create(app: AppContext, name: str, scopes: tuple[str, ...], stores: tuple[str, ...]) -> None:
    """Create a key and print it once: it cannot be shown again."""
    from substitute.api.keys import create_key

    plaintext, info = create_key(app.engine, name, list(scopes), list(stores) or None)
    click.echo(plaintext)
    click.echo(
        f"key id {info.key_id}, scopes {','.join(sorted(info.scopes))}: store it now, it is not kept",
        err=True,
    )


@keys.command("list")
@pass_app
def keys_list(app: AppContext) -> None:
    """List keys (never their secrets)."""
    from substitute.api.keys import list_keys

    for k in list_keys(app.engine):
        state = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "live"
        stores = ",".join(sorted(k.store_ids)) if k.store_ids else "all stores"
        click.echo(f"{k.key_id}  {state:<18} {','.join(sorted(k.scopes)):<22} {stores:<20} {k.name}")


@keys.command("revoke")
@click.argument("key_id")
@pass_app
def keys_revoke(app: AppContext, key_id: str) -> None:
    """Revoke the key with KEY_ID (see `substitute keys list`)."""
    from substitute.api.keys import revoke_key

    revoke_key(app.engine, key_id)
    click.echo(f"revoked {key_id}")
