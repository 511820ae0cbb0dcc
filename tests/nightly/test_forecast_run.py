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


def _daily_means(engine: Engine, store: str, sku: str) -> dict[dt.date, float]:
    with Session(engine) as session:
        rows = session.execute(
            select(ForecastDay.target_date, ForecastDay.mean)
            .join(ForecastRun, ForecastRun.id == ForecastDay.run_id)
            .where(ForecastRun.is_current.is_(True), ForecastDay.store_id == store, ForecastDay.sku == sku)
        ).all()
    return {day: mean for day, mean in rows}


def test_a_holiday_calendar_file_reaches_the_run(engine, tmp_path):
    # 2026-07-23 is a Thursday, as is 2026-07-30: same weekday, one of them an event never seen.
    calendar = tmp_path / "events.toml"
    calendar.write_text('[[event]]\nname = "festival"\ndates = ["2026-07-23"]\n')
    _seed(engine, {("ginza", "A"): [3.0] * 90}, {("ginza", "A"): 500.0})
    run_forecast(engine, SETTINGS.model_copy(update={"holidays": calendar}), progress=False)
    means = _daily_means(engine, "ginza", "A")
    with Session(engine) as session:
        config = session.execute(
            select(ForecastRun.config).where(ForecastRun.is_current.is_(True))
        ).scalar_one()
    assert "festival" in config
    # Never seen: median unchanged, mean raised by the lognormal spread, exp(v / 2) > 1.
    assert means[dt.date(2026, 7, 23)] > 1.05 * means[dt.date(2026, 7, 30)]


def test_a_holiday_calendar_that_cannot_be_read_fails_before_a_run_starts(engine, tmp_path):
    from substitute.errors import DataError

    _seed(engine, {("ginza", "A"): [3.0] * 90}, {("ginza", "A"): 500.0})
    missing = tmp_path / "nope.toml"
    with pytest.raises(DataError, match=r"nope\.toml"):
        run_forecast(engine, SETTINGS.model_copy(update={"holidays": missing}), progress=False)
    with Session(engine) as session:
        assert session.execute(select(ForecastRun)).first() is None


def test_planned_promotions_lift_the_forecast_when_promo_effects_are_on(engine):
    from sqlalchemy import insert, update

    from substitute.db.models import Promotion

    rng = np.random.default_rng(7)
    start = AS_OF - dt.timedelta(days=119)
    skus = [f"K{k}" for k in range(10)]
    # Each item is on promotion 3 days in 10 (weekdays rotate), staggered across items.
    starts = {k: [start + dt.timedelta(days=d) for d in range(120) if (d + k) % 10 == 3] for k in range(10)}
    daily = {}
    for store in ("S1", "S2", "S3", "S4"):
        for k, sku in enumerate(skus):
            on = {a + dt.timedelta(days=j) for a in starts[k] for j in range(3)}
            lam = [9.0 if start + dt.timedelta(days=d) in on else 3.0 for d in range(120)]  # a 3x lift
            daily[(store, sku)] = rng.poisson(lam).astype(float).tolist()
    _seed(engine, daily, {key: 500.0 for key in daily})
    week = dt.timedelta(days=7)
    with engine.begin() as conn:
        conn.execute(update(Item).values(category="snacks"))
        conn.execute(
            insert(Promotion),
            [
                {"promo_id": f"P{k}-{i}", "store_id": None, "sku": skus[k], "start_date": a,
                 "end_date": a + dt.timedelta(days=2), "discount_pct": 30.0}
                for k in range(10) for i, a in enumerate(starts[k]) if a <= AS_OF
            ]
            + [
                {"promo_id": f"F{k}", "store_id": None, "sku": skus[k], "start_date": AS_OF + 2 * week,
                 "end_date": AS_OF + 2 * week + dt.timedelta(days=2), "discount_pct": 30.0}
                for k in range(10)
            ],
        )  # fmt: skip
    model = SETTINGS.model.model_copy(update={"exogenous": ("promo",), "exogenous_holdout_days": 28})
    run_forecast(engine, SETTINGS.model_copy(update={"model": model}), progress=False)
    risk = _risk(engine, "S1", "K0")
    assert risk.model.endswith("+promo")
    means = _daily_means(engine, "S1", "K0")
    on, off = means[AS_OF + 2 * week + dt.timedelta(days=1)], means[AS_OF + 3 * week + dt.timedelta(days=1)]
    assert on / off == pytest.approx(3.0, rel=0.15)
