"""R11: the nightly forecast killed with SIGKILL at 10 %, 50 % and 90 % leaves the served run intact.

A real ``substitute forecast run`` process is killed once the rows it has
written reach the given share of its series. Then: the current run is the
same (id, row count, checksum of its risks), the database is consistent, and
the next run cleans up the orphan and completes.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, func, select, text

from substitute.db import make_engine, upgrade
from substitute.db.bulk import bulk_copy
from substitute.db.models import ForecastRun, InventorySnapshot, Item, SaleLine, SelloutRisk, Store, table_of
from substitute.nightly.forecast import run_forecast
from substitute.settings import ForecastSettings

pytestmark = pytest.mark.slow

N_SKUS, N_STORES, DAYS = 2_500, 4, 35  # 10,000 series: ten batches of 1,000
SETTINGS = ForecastSettings(workers=1, batch_series=1_000, history_days=DAYS)


def _seed(engine: Engine) -> None:
    rng = np.random.default_rng(3)
    dates = pd.date_range(end="2026-07-20", periods=DAYS, freq="D")
    skus = [f"I{k:05d}" for k in range(N_SKUS)]
    with engine.begin() as conn:
        bulk_copy(
            conn,
            table_of(Store),
            pd.DataFrame(
                {
                    "store_id": [f"S{s}" for s in range(N_STORES)],
                    "name": "s",
                    "timezone": "UTC",
                    "kind": "store",
                    "active": True,
                }
            ),
        )
        bulk_copy(conn, table_of(Item), pd.DataFrame({"sku": skus, "name": "i", "active": True}))
        for s in range(N_STORES):
            counts = rng.poisson(rng.uniform(0.1, 3, N_SKUS)[:, None], size=(N_SKUS, DAYS))
            item, day = np.nonzero(counts)
            bulk_copy(
                conn,
                table_of(SaleLine),
                pd.DataFrame(
                    {
                        "store_id": f"S{s}",
                        "txn_id": [f"{s}-{i}-{d}" for i, d in zip(item, day, strict=True)],
                        "line": 1,
                        "ts_utc": dates[day],
                        "business_date": dates[day],
                        "sku": [skus[i] for i in item],
                        "quantity": counts[item, day].astype(float),
                    }
                ),
            )
            bulk_copy(
                conn,
                table_of(InventorySnapshot),
                pd.DataFrame(
                    {
                        "store_id": f"S{s}",
                        "sku": skus,
                        "business_date": dates[-1],
                        "on_hand": rng.integers(0, 40, N_SKUS).astype(float),
                    }
                ),
            )


def _served(engine: Engine) -> tuple[int, int, str]:
    """The current run's id, its number of risk rows and a checksum of them."""
    with engine.connect() as conn:
        run_id = conn.execute(select(ForecastRun.id).where(ForecastRun.is_current.is_(True))).scalar_one()
        rows = conn.execute(
            select(SelloutRisk.store_id, SelloutRisk.sku, SelloutRisk.p_stockout_before_receipt)
            .where(SelloutRisk.run_id == run_id)
            .order_by(SelloutRisk.store_id, SelloutRisk.sku)
        ).all()
    digest = hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()
    return run_id, len(rows), digest


def _written_share(engine: Engine) -> float:
    with engine.connect() as conn:
        running = conn.execute(
            select(ForecastRun.id, ForecastRun.n_expected).where(ForecastRun.status == "running")
        ).first()
        if running is None:
            return 0.0
        done = conn.execute(select(func.count()).where(SelloutRisk.run_id == running[0])).scalar_one()
    return done / running[1]


@pytest.fixture(scope="module")
def served_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with 10,000 series and one run in service, built once and copied per test."""
    path = tmp_path_factory.mktemp("kill") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    _seed(engine)
    run_forecast(engine, SETTINGS, progress=False)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.mark.parametrize("kill_at", [0.1, 0.5, 0.9])
def test_a_killed_run_leaves_the_served_forecast_intact(
    served_database: Path, tmp_path: Path, kill_at: float
) -> None:
    db = tmp_path / "kill.db"
    shutil.copy(served_database, db)
    url = f"sqlite:///{db}"
    engine = make_engine(url)
    before = _served(engine)

    env = {
        **os.environ,
        "SUBSTITUTE_FORECAST__WORKERS": "1",
        "SUBSTITUTE_FORECAST__BATCH_SERIES": "1000",
        "SUBSTITUTE_FORECAST__HISTORY_DAYS": str(DAYS),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "substitute", "--database-url", url, "forecast", "run"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 120
    share = 0.0
    while proc.poll() is None and time.monotonic() < deadline:
        share = _written_share(engine)
        if share >= kill_at:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, (
        f"the run finished before reaching {kill_at:.0%} (at {share:.0%})"
    )
    assert kill_at <= share < 1.0

    assert _served(engine) == before  # the previous run still serves, untouched
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA integrity_check")).scalar_one() == "ok"

    after = run_forecast(engine, SETTINGS, progress=False)  # cleans the orphan, completes, swaps
    assert _served(engine)[0] == after.run_id and after.n_series == N_SKUS * N_STORES
    with engine.connect() as conn:
        statuses = [s for (s,) in conn.execute(select(ForecastRun.status).order_by(ForecastRun.id))]
    assert statuses == ["superseded", "failed", "active"]
    engine.dispose()
