"""``substitute demo-data OUT_DIR``: write the deterministic demo retailer."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Any

import click

from substitute.cli.context import main


@main.command("demo-data")
@click.option(
    "--seed", type=click.IntRange(min=0), default=0, show_default=True, help="Seed of every random stream."
)
@click.option(
    "--items", "n_items", type=click.IntRange(min=1), default=300, show_default=True, help="Number of SKUs."
)
@click.option(
    "--stores", "n_stores", type=click.IntRange(min=1), default=6, show_default=True,
    help="Physical stores; the online shop 'ec' comes on top.",
)  # fmt: skip
@click.option(
    "--customers",
    "n_customers",
    type=click.IntRange(min=1),
    default=3000,
    show_default=True,
    help="Member customers.",
)
@click.option(
    "--days", type=click.IntRange(min=14), default=730, show_default=True, help="Length of the window."
)
@click.option(
    "--end-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default="2026-07-20",
    show_default=True,
    help="Last day of the window.",
)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
def demo_data(
    seed: int, n_items: int, n_stores: int, n_customers: int, days: int, end_date: dt.datetime, out_dir: Path
) -> None:
    """Write a demo shoe-and-kimono retailer as canonical input files into OUT_DIR.

    One file per kind (stores, items, customers, sales, inventory, receipts,
    reviews, events, promotions, weather), the hidden answers in
    OUT_DIR/truth/ (never load them as input) and OUT_DIR/manifest.json.
    The same options always give byte-identical files.
    """
    from tqdm import tqdm

    from substitute.demo import generate

    bars: dict[str, Any] = {}

    def progress(step: str, done: int, total: int) -> None:
        bar = bars.get(step)
        if bar is None:
            bar = bars[step] = tqdm(total=total, desc=step, unit=step, leave=False)
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    started = time.perf_counter()
    try:
        result = generate(
            out_dir,
            seed=seed,
            n_items=n_items,
            n_stores=n_stores,
            n_customers=n_customers,
            days=days,
            end_date=end_date.date(),
            progress=progress,
        )
    finally:
        for bar in bars.values():
            bar.close()
    elapsed = time.perf_counter() - started
    width = max(len(name) for name in result["files"])
    for name, entry in result["files"].items():
        click.echo(f"{name:<{width}}  {entry['rows']:>12,} rows  {entry['bytes']:>12,} bytes")
    total = sum(entry["bytes"] for entry in result["files"].values())
    click.echo(f"wrote {len(result['files'])} files, {total:,} bytes, to {out_dir} in {elapsed:.1f} s")
