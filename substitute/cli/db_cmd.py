"""``substitute db upgrade|current``."""

from __future__ import annotations

import click

from substitute.cli.context import AppContext, main, pass_app


@main.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@click.argument("revision", default="head")
@pass_app
def db_upgrade(app: AppContext, revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from substitute.db.migrate import current_revision, upgrade

    upgrade(app.engine, revision)
    click.echo(f"database at revision {current_revision(app.engine)}")


@db.command("current")
@pass_app
def db_current(app: AppContext) -> None:
    """Print the schema revision of the database."""
    from substitute.db.migrate import current_revision

    click.echo(current_revision(app.engine) or "empty (run: substitute db upgrade)")
