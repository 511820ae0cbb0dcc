"""The nightly forecast at M5 scale, end to end through the database.

    python bench/forecast_db_scale.py [--series 30490] [--days 1941] [--database-url URL]

Writes a synthetic intermittent panel (Poisson demand with log-normal rates,
about as sparse as M5) and one stock position per series into a scratch
database, then times ``run_forecast`` over the whole history: read from the
database, forecast, stockout probabilities, write, activate. Reports wall
time and the peak memory of this process and its workers. The data is
synthetic by necessity (the full M5 history is not available here). Ends with
one JSON line of figures.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from substitute.db import make_engine, upgrade
from substitute.db.bulk import bulk_copy
from substitute.db.models import InventorySnapshot, Item, SaleLine, Store
from substitute.nightly.forecast import run_forecast
from substitute.settings import ForecastSettings

STORES = 10


def _write_panel(engine, n_series: int, days: int, seed: int) -> int:  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(seed)
    skus = n_series // STORES
    end = pd.Timestamp("2016-05-22")
    dates = pd.date_range(end=end, periods=days, freq="D")
    rates = np.exp(rng.normal(-1.3, 1.1, size=(STORES, skus)))  # median 0.27/day: mostly intermittent
    with engine.begin() as conn:
        bulk_copy(
            conn,
            Store.__table__,
            pd.DataFrame(
                {
                    "store_id": [f"S{s}" for s in range(STORES)],
                    "name": "s",
                    "kind": "store",
                    "timezone": "UTC",
                    "active": True,
                }
            ),
        )
        bulk_copy(
            conn,
            Item.__table__,
            pd.DataFrame({"sku": [f"I{k:05d}" for k in range(skus)], "name": "i", "active": True}),
        )
    rows = 0
    for s in range(STORES):
        counts = rng.poisson(rates[s][:, None], size=(skus, days))
        item, day = np.nonzero(counts)
        frame = pd.DataFrame(
            {
                "store_id": f"S{s}",
                "txn_id": [f"{s}-{i}-{d}" for i, d in zip(item, day, strict=True)],
                "line": 1,
                "ts_utc": dates[day] + pd.Timedelta(hours=12),
                "business_date": dates[day],
                "sku": [f"I{k:05d}" for k in item],
                "quantity": counts[item, day].astype(float),
            }
        )
        stock = pd.DataFrame(
            {
                "store_id": f"S{s}",
                "sku": [f"I{k:05d}" for k in range(skus)],
                "business_date": end,
                "on_hand": rng.poisson(rates[s] * rng.uniform(2, 30, skus)).astype(float),
            }
        )
        with engine.begin() as conn:
            rows += bulk_copy(conn, SaleLine.__table__, frame)
            bulk_copy(conn, InventorySnapshot.__table__, stock)
    return rows


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=30_490)
    parser.add_argument("--days", type=int, default=1_941)
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--workers", type=int, default=0, help="0: one process per core")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(args.database_url or f"sqlite:///{Path(tmp) / 'scale.db'}")
        upgrade(engine)
        started = time.perf_counter()
        lines = _write_panel(engine, args.series, args.days, seed=0)
        load_s = time.perf_counter() - started
        print(f"wrote {lines:,} sale lines for {args.series:,} series × {args.days:,} days in {load_s:.0f} s")
        settings = ForecastSettings(history_days=args.days, workers=args.workers)
        started = time.perf_counter()
        summary = run_forecast(engine, settings, progress=False)
        run_s = time.perf_counter() - started
        print(summary.render())
        engine.dispose()
    figures = {
        "series": summary.n_series,
        "days": args.days,
        "sale_lines": lines,
        "run_seconds": round(run_s, 1),
        "target_seconds": 300,
        "peak_memory_mb": round(_peak_mb()),
        "setup_seconds": round(load_s, 1),
    }
    print(f"end to end (read, forecast, risks, write, activate): {run_s:.0f} s (target 300 s)")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
