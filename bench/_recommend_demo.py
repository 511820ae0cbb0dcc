"""Demo retailer: would customers accept what we offer? Asked of the generator's hidden choice model.

Queries are the stockouts of the retailer's offer pilot (``events`` with
``offered``): a known customer, the item they came for, the store. The demo is
loaded, forecast, profiled and trained exactly as ``make demo`` does; then for
each query our top 3 (reservations left aside, counted apart) and the
baseline's top 3 (the most popular items of the category that the store has
in the wanted size) are scored with ``World.acceptance_probability``:
P(accepts at least one) = 1 - prod(1 - p_rank). Stock is today's (the end of
the data), as if each customer came back today.

Ours is asked twice, side by side: from the training-time shortlists (as
served) and scanning the whole category (``shortlists`` off), with the time
per call of each and the share of queries whose top 3 are the same.
"""

from __future__ import annotations

import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def _prepare(fixture: Path, workdir: Path):  # type: ignore[no-untyped-def]
    from substitute.db import make_engine, upgrade
    from substitute.ingest.pipeline import canonical_files, ingest_file
    from substitute.nightly.forecast import run_forecast
    from substitute.nightly.loyalty import refresh_loyalty
    from substitute.recommend.snapshot import load_snapshot
    from substitute.recommend.train import train
    from substitute.settings import load_settings

    settings = load_settings(
        {
            "database": {"url": f"sqlite:///{workdir / 'demo.db'}"},
            "artifacts": {"dir": str(workdir / "artifacts")},
            "ingest": {"progress": False},
        }
    )
    engine = make_engine(settings.database)
    upgrade(engine)
    for kind, path in canonical_files(fixture):
        ingest_file(engine, kind, path, settings=settings.ingest)
    run_forecast(engine, settings.forecast, progress=False)
    refresh_loyalty(engine)
    train(engine, settings, progress=False)
    snapshot = load_snapshot(engine, settings)
    engine.dispose()
    return snapshot


def _popular_top3(snapshot, wanted: int, store: int) -> list[int]:  # type: ignore[no-untyped-def]
    items = snapshot.items
    pool = items.in_category(int(items.category[wanted]))
    size = items.size[wanted]
    keep = (pool != wanted) & (snapshot.available[store, pool] > 0)
    if size:
        keep &= (items.size[pool] == size) | (items.size[pool] == "")
    pool = pool[keep]
    order = np.lexsort((pool, -items.popularity[pool]))
    return [int(i) for i in pool[order][:3]]


def _p_any(world, customer: str, wanted: str, offered: list[str]) -> float:  # type: ignore[no-untyped-def]
    p_none = 1.0
    for rank, sku in enumerate(offered, 1):
        p_none *= 1.0 - world.acceptance_probability(customer, wanted, sku, rank=rank)
    return 1.0 - p_none


def demo_acceptance(fixture: Path) -> dict:
    from substitute.demo.truth import load_world
    from substitute.errors import NotFound
    from substitute.recommend.service import recommend_substitutes

    world = load_world(fixture)
    events = pd.read_parquet(fixture / "events.parquet")
    queries = (
        events.loc[events["event_type"] == "offered", ["customer_id", "sku", "store_id"]]
        .dropna()
        .drop_duplicates()
        .sort_values(["customer_id", "sku", "store_id"])
    )
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = _prepare(fixture, Path(tmp))
    scanning = dataclasses.replace(snapshot, shortlists=None)
    seconds = {"ours": 0.0, "ours_full_scan": 0.0}

    def top3(snap, customer: str, sku: str, store: str, clock: str) -> tuple[list[str], bool]:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        offers = recommend_substitutes(snap, sku, store, customer=customer, k=6)
        seconds[clock] += time.perf_counter() - t0
        reserved = any(o.strategy == "reservation" for o in offers[:3])
        return [o.sku for o in offers if o.strategy != "reservation"][:3], reserved

    rows = []
    for customer, sku, store in queries.itertuples(index=False):
        try:
            ours, reserved = top3(snapshot, customer, sku, store, "ours")
        except NotFound:
            continue
        scanned, _ = top3(scanning, customer, sku, store, "ours_full_scan")
        wanted, store_idx = snapshot.item_ids.get(sku), snapshot.stores.get(store)
        popular = [str(snapshot.items.sku[i]) for i in _popular_top3(snapshot, wanted, store_idx)]
        rows.append(
            {
                "loyalty": world.customer(
                    customer, str(snapshot.items.category_names[snapshot.items.category[wanted]])
                ).loyalty,
                "ours": _p_any(world, customer, sku, ours),
                "ours_full_scan": _p_any(world, customer, sku, scanned),
                "same_top3": ours == scanned,
                "popularity": _p_any(world, customer, sku, popular),
                "reservation_offered": reserved,
            }
        )
    table = pd.DataFrame(rows)
    figures: dict = {"dataset": "demo", "queries": len(table)}
    print(
        f"\n{'hidden loyalty':<16}{'queries':>8}{'ours P(accept)':>16}{'full scan':>11}{'popularity':>12}"
        f"{'reservation':>13}"
    )
    for name, part in [*table.groupby("loyalty"), ("all", table)]:
        line = {
            "queries": len(part),
            "ours": round(float(part["ours"].mean()), 3),
            "ours_full_scan": round(float(part["ours_full_scan"].mean()), 3),
            "popularity": round(float(part["popularity"].mean()), 3),
            "reservation_share": round(float(part["reservation_offered"].mean()), 3),
        }
        figures[str(name)] = line
        print(
            f"{name!s:<16}{line['queries']:>8}{line['ours']:>16.3f}{line['ours_full_scan']:>11.3f}"
            f"{line['popularity']:>12.3f}{line['reservation_share']:>13.3f}"
        )
    n = max(len(table), 1)
    figures["shortlists"] = {
        "same_top3_share": round(float(table["same_top3"].mean()), 3) if len(table) else None,
        "ms_per_call": round(seconds["ours"] / n * 1e3, 3),
        "ms_per_call_full_scan": round(seconds["ours_full_scan"] / n * 1e3, 3),
        "items": int(snapshot.items.n_items),
        "largest_category": int(np.diff(snapshot.items.category_indptr).max()),
    }
    print(f"shortlists: {figures['shortlists']}")
    return figures
