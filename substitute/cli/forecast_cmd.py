"""``substitute forecast run|runs|risks``."""

from __future__ import annotations

import datetime as dt

import click

from substitute.cli.context import AppContext, main, pass_app


@main.group()
def forecast() -> None:
    """Forecast sellouts for every item × store."""


@forecast.command("run")
@click.option(
    "--as-of",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Last day of history (default: the last day with sales).",
)
@click.option("--executor", type=click.Choice(["local", "dask"]), help="local: every core; dask: a cluster.")
@click.option(
    "--dask-scheduler",
    metavar="ADDRESS",
    help="A Dask scheduler, e.g. tcp://10.0.0.5:8786 (default: a LocalCluster).",
)
@pass_app
def forecast_run(
    app: AppContext, as_of: dt.datetime | None, executor: str | None, dask_scheduler: str | None
) -> None:
    """Forecast every active item × store and activate the run when it is complete."""
    from substitute.nightly.forecast import run_forecast

    summary = run_forecast(
        app.engine,
        app.settings.forecast,
        as_of=as_of.date() if as_of else None,
        executor=executor,
        dask_scheduler=dask_scheduler,
    )
    click.echo(summary.render())


@forecast.command("runs")
@click.option("--limit", default=10, show_default=True)
@pass_app
def forecast_runs(app: AppContext, limit: int) -> None:
    """List recent forecast runs, newest first."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from substitute.db.models import ForecastRun

    with Session(app.engine) as session:
        rows = session.scalars(select(ForecastRun).order_by(ForecastRun.id.desc()).limit(limit)).all()
    for r in rows:
        mark = "*" if r.is_current else " "
        click.echo(
            f"{mark} {r.id:>5}  as of {r.as_of}  {r.status:<10} {r.n_series or 0:>8,} series"
            f"  {r.message or ''}"
        )


@forecast.command("risks")
@click.option("--store", help="Only this store.")
@click.option("--top", default=20, show_default=True, help="How many rows.")
@pass_app
def forecast_risks(app: AppContext, store: str | None, top: int) -> None:
    """The current run's items most likely to run out before their next delivery."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from substitute.db.models import ForecastRun, SelloutRisk

    query = (
        select(SelloutRisk)
        .join(ForecastRun, ForecastRun.id == SelloutRisk.run_id)
        .where(ForecastRun.is_current.is_(True), SelloutRisk.p_stockout_before_receipt.is_not(None))
        .order_by(SelloutRisk.p_stockout_before_receipt.desc(), SelloutRisk.days_of_cover)
        .limit(top)
    )
    if store:
        query = query.where(SelloutRisk.store_id == store)
    with Session(app.engine) as session:
        rows = session.scalars(query).all()
    click.echo(
        f"{'store':<8} {'sku':<24} {'p(out)':>7} {'cover':>6} {'sellout':>11} {'receipt':>11} {'reorder':>8}"
    )
    for r in rows:
        click.echo(
            f"{r.store_id:<8} {r.sku:<24} {r.p_stockout_before_receipt:>7.2f} {r.days_of_cover or 0:>6.1f} "
            f"{r.expected_sellout_date or '-'!s:>11} {r.next_receipt_date or '-'!s:>11}"
            f" {r.reorder_qty or 0:>8.0f}"
        )
