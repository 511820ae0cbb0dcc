"""The root click group and the context every subcommand receives."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import click

from substitute.errors import SubstituteError
from substitute.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass
class AppContext:
    config_dir: Path | None = None
    overrides: dict = field(default_factory=dict)

    @cached_property
    def settings(self) -> Settings:
        return load_settings(self.overrides, config_dir=self.config_dir)

    @cached_property
    def engine(self) -> Engine:
        from substitute.db import make_engine

        return make_engine(self.settings.database)


pass_app = click.make_pass_decorator(AppContext)


class _Group(click.Group):
    """Renders SubstituteError as one clear line and exit code 2, not a traceback."""

    def invoke(self, ctx: click.Context):  # type: ignore[no-untyped-def]
        from sqlalchemy.exc import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except SubstituteError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(2)
        except (OperationalError, ProgrammingError) as exc:
            click.secho(
                f"database error: {exc.orig}. Is the database reachable and its schema current? "
                "Run: substitute db upgrade",
                fg="red",
                err=True,
            )
            sys.exit(2)


@click.group(cls=_Group)
@click.option(
    "--config-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory of *.toml settings (default: $SUBSTITUTE_CONFIG_DIR or ./configs).",
)
@click.option("--database-url", help="Override database.url for this command.")
@click.version_option(package_name="substitute")
@click.pass_context
def main(ctx: click.Context, config_dir: Path | None, database_url: str | None) -> None:
    """Inventory-aware substitute recommendations for retailers."""
    overrides: dict = {}
    if database_url:
        overrides["database"] = {"url": database_url}
    ctx.obj = AppContext(config_dir=config_dir, overrides=overrides)
