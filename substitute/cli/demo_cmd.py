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
@click.option("--serve/--no-serve", default=True, show_default=True, help="End by serving the API and pages.")
@pass_app
def demo_run(app: AppContext, fixture: Path, serve: bool) -> None:
    """Create the database, load FIXTURE, run the main job on it, then serve it."""
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

    from substitute.cli.recommend_cmd import recommend_cmd, train_cmd

    click.secho("training the recommender", bold=True)
    ctx = click.get_current_context()
    ctx.invoke(train_cmd, progress=True)
    example = _most_urgent(app)
    if example is not None:
        sku, store = example
        click.secho(
            f"the most urgent sellout: {sku} at {store}; what an anonymous customer is offered", bold=True
        )
        ctx.invoke(recommend_cmd, sku=sku, store=store, customer=None, size=None, k=5, as_json=False)

    if serve:
        from substitute.cli.serve_cmd import serve_forever

        serve_forever(app, print_demo_key=True)


def _most_urgent(app: AppContext) -> tuple[str, str] | None:
    """The current forecast's item × store most likely to run out before its next delivery."""
    from sqlalchemy import select

    from substitute.db.models import ForecastRun, SelloutRisk

    query = (
        select(SelloutRisk.sku, SelloutRisk.store_id)
        .join(ForecastRun, ForecastRun.id == SelloutRisk.run_id)
        .where(ForecastRun.is_current.is_(True), SelloutRisk.p_stockout_before_receipt.is_not(None))
        .order_by(
            SelloutRisk.p_stockout_before_receipt.desc(),
            SelloutRisk.days_of_cover,
            SelloutRisk.store_id,
            SelloutRisk.sku,
        )
        .limit(1)
    )
    with app.engine.connect() as conn:
        row = conn.execute(query).first()
    return (row[0], row[1]) if row else None
