"""The nightly forecast run: complete results activated atomically, failures leave the last run serving."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from substitute.db.bulk import bulk_copy
from substitute.db.models import (
    ForecastDay,
    ForecastRun,
    InventorySnapshot,
    Item,
    SaleLine,
    SelloutRisk,
    Store,
)
from substitute.nightly import executors, runs
from substitute.nightly.forecast import IncompleteRun, run_forecast
from substitute.settings import ForecastSettings

AS_OF = dt.date(2026, 7, 20)
SETTINGS = ForecastSettings(workers=1, history_days=120)


def _seed(
    engine: Engine, daily: dict[tuple[str, str], list[float]], on_hand: dict[tuple[str, str], float]
) -> None:
    """Write stores, items, one sale line per unit-day and the last inventory snapshot, directly."""
    days = len(next(iter(daily.values())))
    dates = pd.date_range(end=pd.Timestamp(AS_OF), periods=days, freq="D")
    stores = sorted({s for s, _ in daily})
    skus = sorted({k for _, k in daily})
    sales = []
    for (store, sku), units in daily.items():
        for day, qty in zip(dates, units, strict=True):
            if qty:
                sales.append(
                    (store, f"{store}-{sku}-{day:%Y%m%d}", 1, day + pd.Timedelta(hours=3), day, sku, qty)
                )
    sales_frame = pd.DataFrame(
        sales, columns=["store_id", "txn_id", "line", "ts_utc", "business_date", "sku", "quantity"]
    )
    stock = pd.DataFrame(
        [(s, k, pd.Timestamp(AS_OF), q, False) for (s, k), q in on_hand.items()],
        columns=["store_id", "sku", "business_date", "on_hand", "stockout"],
    )
    with engine.begin() as conn:
        bulk_copy(
            conn,
            Store.__table__,
            pd.DataFrame(
                {
                    "store_id": stores,
                    "name": stores,
                    "kind": "store",
                    "timezone": "Asia/Tokyo",
                    "active": True,
                }
            ),
        )
        bulk_copy(conn, Item.__table__, pd.DataFrame({"sku": skus, "name": skus, "active": True}))
        bulk_copy(conn, SaleLine.__table__, sales_frame)
        bulk_copy(conn, InventorySnapshot.__table__, stock)


def _risk(engine: Engine, store: str, sku: str) -> SelloutRisk:
    with Session(engine) as session:
        return session.execute(
            select(SelloutRisk)
            .join(ForecastRun, ForecastRun.id == SelloutRisk.run_id)
            .where(ForecastRun.is_current.is_(True), SelloutRisk.store_id == store, SelloutRisk.sku == sku)
        ).scalar_one()


def test_on_hand_10_at_3_a_day_sells_out_on_day_4(engine):
    _seed(engine, {("ginza", "A"): [3.0] * 90}, {("ginza", "A"): 10.0})
    summary = run_forecast(engine, SETTINGS, progress=False)
    risk = _risk(engine, "ginza", "A")
    assert summary.n_series == 1 and summary.as_of == AS_OF
    assert risk.expected_sellout_date == AS_OF + dt.timedelta(days=4)
    assert risk.days_of_cover == pytest.approx(10 / 3, rel=0.05)
    assert risk.p_stockout_window > 0.95


def test_returns_are_not_negative_demand(engine):
    _seed(
        engine,
        {("ginza", "A"): [2.0] * 60, ("ginza", "B"): [2.0] * 60},
        {("ginza", "A"): 50, ("ginza", "B"): 50},
    )
    returns = pd.DataFrame(
        [
            (
                "ginza",
                f"r{i}",
                1,
                pd.Timestamp(AS_OF) - pd.Timedelta(days=i),
                pd.Timestamp(AS_OF) - pd.Timedelta(days=i),
                "B",
                -2.0,
            )
            for i in range(60)
        ],
        columns=["store_id", "txn_id", "line", "ts_utc", "business_date", "sku", "quantity"],
    )
    with engine.begin() as conn:
        bulk_copy(conn, SaleLine.__table__, returns)
    run_forecast(engine, SETTINGS, progress=False)
    with engine.connect() as conn:
        means = dict(
            conn.execute(
                select(ForecastDay.sku, ForecastDay.mean).where(
                    ForecastDay.target_date == AS_OF + dt.timedelta(days=1)
                )
            ).all()
        )
    assert means["B"] == pytest.approx(means["A"])  # every return of B cancelled a sale, yet demand was there


def test_a_rerun_replaces_the_current_run_atomically(engine):
    _seed(engine, {("ginza", "A"): [1.0, 0.0] * 40}, {("ginza", "A"): 5.0})
    first = run_forecast(engine, SETTINGS, progress=False)
    second = run_forecast(engine, SETTINGS, as_of=AS_OF, progress=False)
    with engine.connect() as conn:
        statuses = dict(conn.execute(select(ForecastRun.id, ForecastRun.status)).all())
        current = conn.execute(select(ForecastRun.id).where(ForecastRun.is_current.is_(True))).scalars().all()
    assert statuses == {first.run_id: "superseded", second.run_id: "active"}
    assert current == [second.run_id]


def test_a_failing_run_leaves_the_previous_run_in_service(engine, monkeypatch):
    _seed(engine, {("ginza", "A"): [1.0] * 60}, {("ginza", "A"): 5.0})
    good = run_forecast(engine, SETTINGS, progress=False)

    def explode(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(executors, "forecast_batch", explode)
    with pytest.raises(RuntimeError, match="worker lost"):
        run_forecast(engine, SETTINGS, progress=False)
    assert runs.current_run(engine).id == good.run_id
    with engine.connect() as conn:
        failed_id, message = conn.execute(
            select(ForecastRun.id, ForecastRun.message).where(ForecastRun.status == "failed")
        ).one()
        leftovers = conn.execute(select(SelloutRisk.sku).where(SelloutRisk.run_id == failed_id)).all()
    assert "worker lost" in message and leftovers == []


def test_an_incomplete_run_is_not_activated(engine, monkeypatch):
    _seed(engine, {("ginza", "A"): [1.0] * 60, ("ginza", "B"): [1.0] * 60}, {})
    real = executors.forecast_batch

    def lose_one_series(batch, *args):
        result = real(batch, *args)
        return type(result)(result.daily, result.series.iloc[1:], result.as_of, result.config, result.context)

    monkeypatch.setattr(executors, "forecast_batch", lose_one_series)
    with pytest.raises(IncompleteRun, match="1 of 2 active series"):
        run_forecast(engine, SETTINGS, progress=False)
    assert runs.current_run(engine) is None


def test_a_killed_run_is_cleaned_up_by_the_next(engine):
    _seed(engine, {("ginza", "A"): [1.0] * 60}, {("ginza", "A"): 5.0})
    killed = runs.start(engine, AS_OF, "local", 1, "{}")  # as a SIGKILL would leave it
    with engine.begin() as conn:
        bulk_copy(
            conn,
            SelloutRisk.__table__,
            pd.DataFrame({"run_id": [killed], "store_id": ["ginza"], "sku": ["A"], "model": ["x"]}),
        )
    good = run_forecast(engine, SETTINGS, progress=False)
    with engine.connect() as conn:
        status = conn.execute(select(ForecastRun.status).where(ForecastRun.id == killed)).scalar_one()
        orphans = conn.execute(select(SelloutRisk.sku).where(SelloutRisk.run_id == killed)).all()
    assert status == "failed" and orphans == []
    assert runs.current_run(engine).id == good.run_id


def _many_series(n_stores: int, n_skus: int, days: int) -> tuple[dict, dict]:
    rng = np.random.default_rng(7)
    daily, stock = {}, {}
    for s in range(n_stores):
        for k in range(n_skus):
            key = (f"s{s}", f"sku{k:04d}")
            daily[key] = list(rng.poisson(rng.uniform(0.05, 2.0), days).astype(float))
            stock[key] = float(rng.integers(0, 30))
    return daily, stock


@pytest.mark.slow
def test_dask_local_cluster_and_local_processes_agree(sqlite_engine):
    daily, stock = _many_series(2, 1000, 45)  # 2,000 series: two Dask tasks of 1,000
    _seed(sqlite_engine, daily, stock)
    settings = ForecastSettings(batch_series=1000, workers=2, history_days=60)
    local = run_forecast(sqlite_engine, settings, executor="local", progress=False)
    with sqlite_engine.connect() as conn:
        local_rows = sorted(
            conn.execute(
                select(
                    SelloutRisk.store_id, SelloutRisk.sku, SelloutRisk.model, SelloutRisk.days_of_cover
                ).where(SelloutRisk.run_id == local.run_id)
            ).all()
        )
    dask = run_forecast(sqlite_engine, settings, executor="dask", progress=False)
    with sqlite_engine.connect() as conn:
        dask_rows = sorted(
            conn.execute(
                select(
                    SelloutRisk.store_id, SelloutRisk.sku, SelloutRisk.model, SelloutRisk.days_of_cover
                ).where(SelloutRisk.run_id == dask.run_id)
            ).all()
        )
    assert dask.n_series == local.n_series == 2000
    assert dask_rows == local_rows
