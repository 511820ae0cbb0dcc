"""``substitute loyalty profile``: a loyalty profile per customer × category.

Reads a purchases file (and optionally the customers' review labels and
their answers to past substitute offers) and writes one JSON line per
customer × category: type, leaning, strength, confidence and the counts
behind them. Rows that cannot be used are reported on stderr with their line
number and reason; ``--strict`` makes any such row fail the run.

The command is defined here and attached to the ``loyalty`` group where the
groups are assembled (``loyalty.add_command(profile_command)``), so this
module does not depend on the group's module.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from substitute.cli.context import AppContext

if TYPE_CHECKING:
    from substitute.loyalty.profile_io import Classify, ReadResult

__all__ = ["profile_command"]

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _config_path(ctx: click.Context, override: Path | None) -> Path | None:
    """The profile.toml to read: the flag, else ``<--config-dir>/loyalty/profile.toml``, else the default."""
    if override is not None:
        return override
    app = ctx.find_object(AppContext)
    if app is not None and app.config_dir is not None:
        candidate = app.config_dir / "loyalty" / "profile.toml"
        return candidate if candidate.is_file() else None
    return None


def _classifier(ctx: click.Context) -> Classify:
    """A review classifier, loaded on first use (only files with text and no label need it)."""
    cache: dict[str, Any] = {}

    def classify(text: str, names: Any) -> str:
        if "clf" not in cache:
            from substitute.loyalty.reviews import ReviewClassifier, default_config_dir

            app = ctx.find_object(AppContext)
            directory = (
                app.config_dir / "loyalty" if app is not None and app.config_dir else default_config_dir()
            )
            cache["clf"] = ReviewClassifier.from_config(directory)
        return str(cache["clf"].classify(text, names=list(names) or None).label)

    return classify


def _report(name: str, result: ReadResult) -> None:
    for problem in result.problems:
        click.echo(f"rejected: {problem}", err=True)
    kept = result.n_rows - result.n_rejected
    click.echo(f"{name}: {kept} of {result.n_rows} rows used, {result.n_rejected} rejected", err=True)


def _write(lines: list[str], out: Path | None) -> None:
    if out is None:
        for line in lines:
            click.echo(line)
        return
    # Write beside the target and rename, so a reader never sees half a file.
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(line + "\n" for line in lines)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)


@click.command("profile")
@click.option(
    "--purchases", "purchases_path", required=True, type=_FILE, help="CSV or JSON lines of purchases."
)
@click.option("--reviews", "reviews_path", type=_FILE, help="Review labels (or texts) per customer and item.")
@click.option("--events", "events_path", type=_FILE, help="Substitute offers accepted or declined.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Output JSON lines (default: stdout).",
)
@click.option(
    "--config", "config_file", type=_FILE, help="profile.toml (default: <config dir>/loyalty/profile.toml)."
)
@click.option("--strict", is_flag=True, help="Fail if any input row is rejected.")
@click.pass_context
def profile_command(
    ctx: click.Context,
    purchases_path: Path,
    reviews_path: Path | None,
    events_path: Path | None,
    out: Path | None,
    config_file: Path | None,
    strict: bool,
) -> None:
    """Write one loyalty profile per customer × category as JSON lines.

    PURCHASES needs customer_id, timestamp, sku, brand, category (optional
    model, colour, price, min_price). REVIEWS needs customer_id, sku,
    category and label (psychological, behavioral, none) or text. EVENTS needs
    customer_id, sku, offered_sku, event_type (accepted, declined), brand,
    offered_brand and category (or a sku found in the purchases).
    """
    from substitute.errors import DataError
    from substitute.loyalty.profile import loyalty_profiles, profile_records
    from substitute.loyalty.profile_config import load_profile_config
    from substitute.loyalty.profile_io import read_events, read_purchases, read_reviews

    config = load_profile_config(_config_path(ctx, config_file))
    purchases = read_purchases(purchases_path)
    _report("purchases", purchases)
    results = [purchases]
    reviews = events = None
    if reviews_path is not None:
        reviews = read_reviews(reviews_path, _classifier(ctx))
        _report("reviews", reviews)
        results.append(reviews)
    if events_path is not None:
        frame = purchases.frame
        sku_category = dict(zip(frame["sku"], frame["category"], strict=True))
        events = read_events(events_path, sku_category)
        _report("events", events)
        results.append(events)
    rejected = sum(r.n_rejected for r in results)
    if strict and rejected:
        raise DataError(f"{rejected} input row(s) rejected (listed above); fix them or run without --strict")
    if (
        purchases.frame.empty
        and (reviews is None or reviews.frame.empty)
        and (events is None or events.frame.empty)
    ):
        raise DataError(f"{purchases_path}: no usable rows; see the rejected rows above")

    profiles = loyalty_profiles(
        purchases.frame if not purchases.frame.empty else None,
        reviews.frame if reviews is not None and not reviews.frame.empty else None,
        events.frame if events is not None and not events.frame.empty else None,
        config,
    )
    lines = [json.dumps(record, ensure_ascii=False) for record in profile_records(profiles)]
    _write(lines, out)
    kinds = profiles["type"].value_counts()
    summary = ", ".join(f"{kinds.get(k, 0)} {k}" for k in ("psychological", "behavioral", "unknown"))
    click.echo(f"profiles: {len(lines)} customer × category rows ({summary})", err=True)
