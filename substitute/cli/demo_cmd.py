"""``substitute demo run``: the main job on the embedded default, end to end.

Builds the SQLite database, loads the demo retailer committed under
``fixtures/demo`` and runs every stage that exists on it. Safe to run again:
a second load finds only duplicates.
"""

from __future__ import annotations

from pathlib import Path

import click

from substitute.cli.context import AppContext, main, pass_app

DEFAULT_FIXTURE = Path("fixtures/demo")


@main.group()
def demo() -> None:
    """Run the product on the demo retailer."""


@demo.command("run")
@click.option(
    "--fixture",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=DEFAULT_FIXTURE,
    show_default=True,
    help="A folder of canonical files, e.g. from `substitute demo-data`.",
)
@pass_app
def demo_run(app: AppContext, fixture: Path) -> None:
    """Create the database, load FIXTURE and run the main job on it."""
    from substitute.db.migrate import upgrade
    from substitute.ingest.pipeline import canonical_files, ingest_file

    click.secho(f"database: {app.settings.redacted()['database']['url']}", bold=True)
    upgrade(app.engine)
    for kind, path in canonical_files(fixture):
        summary = ingest_file(app.engine, kind, path, settings=app.settings.ingest)
        click.echo(summary.render())

    from substitute.nightly.forecast import run_forecast

    click.secho("forecasting every item × store", bold=True)
    click.echo(run_forecast(app.engine, app.settings.forecast).render())

    from substitute.nightly.loyalty import refresh_loyalty

    click.secho("reading loyalty from purchases, reviews and past offers", bold=True)
    click.echo(refresh_loyalty(app.engine).render())
