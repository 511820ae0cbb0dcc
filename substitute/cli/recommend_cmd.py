"""``substitute train`` and ``substitute recommend``."""

from __future__ import annotations

import json
from pathlib import Path

import click

from substitute.cli.context import AppContext, main, pass_app


def _config_dir(app: AppContext) -> Path | None:
    return app.config_dir


@main.command("train")
@click.option("--progress/--no-progress", default=True, show_default=True, help="Show training progress.")
@pass_app
def train_cmd(app: AppContext, progress: bool) -> None:
    """Fit ALS, LightFM and the item tables and publish a new recommender artifact."""
    from substitute.recommend.train import train

    manifest = train(app.engine, app.settings, config_dir=_config_dir(app), progress=progress)
    counts = manifest.row_counts
    seconds = sum(v for k, v in manifest.metrics.items() if k.startswith("seconds_"))
    click.echo(
        f"recommender {manifest.version} published: {counts['items']:,} items, "
        f"{counts['customers']:,} customers, "
        f"{counts['interactions']:,} interactions, window {manifest.data_window['start']} to "
        f"{manifest.data_window['end']}, fitted in {seconds:.1f} s"
    )


@main.command("recommend")
@click.option("--sku", required=True, help="The item the customer wants.")
@click.option("--store", required=True, help="The store or channel asking.")
@click.option("--customer", help="The customer, when known.")
@click.option("--size", help="The size wanted (default: the customer's registered size).")
@click.option("-k", "k", default=10, show_default=True, type=click.IntRange(1, 100), help="How many offers.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@pass_app
def recommend_cmd(
    app: AppContext, sku: str, store: str, customer: str | None, size: str | None, k: int, as_json: bool
) -> None:
    """In-stock, loyalty-aware substitutes for SKU at STORE, with the reasons."""
    from substitute.recommend.service import recommend_substitutes
    from substitute.recommend.snapshot import load_snapshot

    snapshot = load_snapshot(app.engine, app.settings, config_dir=_config_dir(app))
    offers = recommend_substitutes(snapshot, sku, store, customer=customer, size=size, k=k)
    if as_json:
        click.echo(
            json.dumps({"version": snapshot.version, "offers": [o.as_dict() for o in offers]}, indent=2)
        )
        return
    if not offers:
        click.echo(f"nothing to offer for {sku} at {store}: no substitute is available there")
        return
    click.echo(f"{'#':>2} {'sku':<24} {'score':>7} {'strategy':<14} {'avail':>6}  reasons")
    for rank, o in enumerate(offers, 1):
        reasons = "; ".join(o.reasons)
        if o.flags:
            reasons += f"  [{', '.join(o.flags)}]"
        click.echo(
            f"{rank:>2} {o.sku:<24} {o.score:>7.3f} {o.strategy:<14} {o.available_qty:>6.0f}  {reasons}"
        )
