"""The nightly forecast at M5 scale, end to end through the database.

    python bench/forecast_db_scale.py [--series 30490] [--days 1941] [--database-url URL | --keep-db PATH]

Writes a synthetic intermittent panel (Poisson demand with log-normal rates,
about as sparse as M5) and one stock position per series into a scratch
database, then times ``run_forecast`` over the whole history: read from the
database, forecast, stockout probabilities, write, activate. Reports wall
time, the time of each stage, the peak memory of this process and of this
process with its workers, and the load average (the machine may be shared). The data is
synthetic by necessity (the full M5 history is not available here). Ends with
one JSON line of figures.

``--keep-db PATH`` keeps the SQLite database and reuses it when it already
holds sales: the setup (minutes at full size) is paid once.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import func, select

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


class _TreeMemory:
    """Peak of the summed resident memory of this process and its workers, sampled.

    ``RUSAGE_CHILDREN`` cannot tell: a spawned worker is forked before it
    execs, so its recorded peak includes this process's memory at the time.
    """

    def __init__(self, every_s: float = 0.2) -> None:
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every_s,), daemon=True)

    def _sample(self, every_s: float) -> None:
        import psutil  # installed with the dask extra

        me = psutil.Process()
        while not self._stop.wait(every_s):
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    total += proc.memory_info().rss
            self.peak_mb = max(self.peak_mb, total / 2**20)

    def __enter__(self) -> _TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _sale_lines(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SaleLine)).scalar_one()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=30_490)
    parser.add_argument("--days", type=int, default=1_941)
    parser.add_argument("--database-url", help="default: a scratch SQLite file")
    parser.add_argument("--keep-db", type=Path, help="a SQLite file to keep, and reuse if it holds sales")
    parser.add_argument("--workers", type=int, default=0, help="0: one process per core")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        path = args.keep_db or Path(tmp) / "scale.db"
        engine = make_engine(args.database_url or f"sqlite:///{path}")
        upgrade(engine)
        started = time.perf_counter()
        lines = _sale_lines(engine) if args.keep_db else 0
        if lines:
            print(f"reusing {lines:,} sale lines in {path}")
        else:
            lines = _write_panel(engine, args.series, args.days, seed=0)
            print(
                f"wrote {lines:,} sale lines for {args.series:,} series × {args.days:,} days "
                f"in {time.perf_counter() - started:.0f} s"
            )
        load_s = time.perf_counter() - started
        settings = ForecastSettings(history_days=args.days, workers=args.workers)
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        with _TreeMemory() as tree:
            summary = run_forecast(engine, settings, progress=False)
        run_s = time.perf_counter() - started
        print(summary.render())
        engine.dispose()
    own_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "series": summary.n_series,
        "days": args.days,
        "sale_lines": lines,
        "run_seconds": round(run_s, 1),
        "target_seconds": 300,
        "stage_seconds": {stage: round(s, 1) for stage, s in summary.stages.items()},
        "peak_memory_mb": round(own_mb),
        "peak_memory_mb_with_workers": round(tree.peak_mb),
        "load_average_1m": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "setup_seconds": round(load_s, 1),
    }
    stages = ", ".join(f"{stage} {s:.0f} s" for stage, s in summary.stages.items())
    print(f"end to end (read, forecast, risks, write, activate): {run_s:.0f} s (target 300 s): {stages}")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
