"""``substitute config show``."""

from __future__ import annotations

import json

import click

from substitute.cli.context import AppContext, main, pass_app


@main.group()
def config() -> None:
    """Inspect the effective settings."""


@config.command("show")
@pass_app
def config_show(app: AppContext) -> None:
    """Print the effective settings (defaults < configs/*.toml < SUBSTITUTE_* < flags), secrets redacted."""
    click.echo(json.dumps(app.settings.redacted(), indent=2))
