"""Drivers read for a forecast: planned promotions, list prices and the weather, history and horizon."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from substitute.db.models import Item, Promotion, Store, Weather
from substitute.forecast import ForecastConfig, forecast_panel
from substitute.nightly.drivers import _grid, read_driver_tables, with_drivers

AS_OF = dt.date(2026, 7, 20)
D = dt.timedelta(days=1)


def _seed(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(Store),
            [{"store_id": s, "name": s, "kind": "store", "timezone": "Asia/Tokyo"} for s in ("S1", "S2")],
        )
        conn.execute(
            insert(Item),
            [
                {"sku": "A", "name": "sandal", "price": 1000.0, "category": "footwear>sandals"},
                {"sku": "B", "name": "obi", "price": None, "category": "kimono>obi"},
            ],
        )
        conn.execute(
            insert(Promotion),
            [
                # chain-wide 10% on A, and a deeper 30% in S1 for three of those days
                {"promo_id": "P1", "store_id": None, "sku": "A", "start_date": AS_OF - 2 * D,
                 "end_date": AS_OF + 3 * D, "discount_pct": 10.0},
                {"promo_id": "P2", "store_id": "S1", "sku": "A", "start_date": AS_OF,
                 "end_date": AS_OF + 2 * D, "discount_pct": 30.0},
                {"promo_id": "P3", "store_id": "S9", "sku": "B", "start_date": AS_OF - 5 * D,
                 "end_date": AS_OF + 5 * D, "discount_pct": 50.0},
            ],
        )  # fmt: skip
        days = [AS_OF + i * D for i in range(-5, 6)]
        conn.execute(
            insert(Weather),
            [{"store_id": "S1", "business_date": d, "temperature_c": 20.0 + i} for i, d in enumerate(days)]
            + [{"store_id": "S2", "business_date": d, "temperature_c": 30.0} for d in days if d != AS_OF + D],
        )


SERIES = pd.DataFrame({"store_id": ["S1", "S1", "S2"], "sku": ["A", "B", "A"]})


def _at(frame: pd.DataFrame, store: str, sku: str, day: dt.date) -> pd.Series:
    row = frame[(frame["store_id"] == store) & (frame["sku"] == sku) & (frame["date"] == pd.Timestamp(day))]
    assert len(row) == 1
    return row.iloc[0]


def test_driver_tables_give_every_series_and_day_its_drivers(engine: Engine) -> None:
    _seed(engine)
    grid = _grid(SERIES, AS_OF - 3 * D, AS_OF + 4 * D)
    stores, skus = pd.Index(["S1", "S2"]), pd.Index(["A", "B"])
    with engine.connect() as conn:
        tables = read_driver_tables(conn, stores, skus, AS_OF - 3 * D, AS_OF + 4 * D)
    drivers = pd.concat([grid, tables.at(grid)], axis=1)
    assert len(drivers) == 3 * 8
    assert list(drivers.columns) == ["store_id", "sku", "date", "promo", "price", "temperature_c", "group"]
    # S1/A: 10% chain-wide, then 30% where the store's promotion overlaps, then list price
    prices = [_at(drivers, "S1", "A", AS_OF + i * D)["price"] for i in range(-3, 5)]
    assert prices == [1000.0, 900.0, 900.0, 700.0, 700.0, 700.0, 900.0, 1000.0]
    assert _at(drivers, "S2", "A", AS_OF)["price"] == 900.0
    assert bool(_at(drivers, "S2", "A", AS_OF + 3 * D)["promo"])
    assert not _at(drivers, "S2", "A", AS_OF + 4 * D)["promo"]
    # another store's promotion is not ours; an item without a list price has no price
    assert not drivers.loc[drivers["sku"] == "B", "promo"].any()
    assert drivers.loc[drivers["sku"] == "B", "price"].isna().all()
    # weather is the store's; a day without a weather row stays unknown
    assert _at(drivers, "S1", "B", AS_OF)["temperature_c"] == 25.0
    assert np.isnan(_at(drivers, "S2", "A", AS_OF + D)["temperature_c"])
    assert _at(drivers, "S1", "B", AS_OF)["group"] == "kimono>obi"


def test_with_drivers_decorates_history_rows_and_appends_the_horizon(engine: Engine) -> None:
    _seed(engine)
    panel = pd.DataFrame(
        {
            "store_id": pd.Categorical(["S1", "S1", "S2"]),
            "sku": pd.Categorical(["A", "A", "A"]),
            "date": pd.to_datetime([AS_OF - 2 * D, AS_OF, AS_OF]),
            "sales": [3.0, 5.0, 1.0],
            "on_hand": [4.0, np.nan, 2.0],
            "stockout": [False, False, False],
        }
    )
    with engine.connect() as conn:
        out = with_drivers(conn, panel, SERIES, AS_OF, horizon=4)
    history = out[out["date"] <= pd.Timestamp(AS_OF)]
    future = out[out["date"] > pd.Timestamp(AS_OF)]
    assert len(history) == 3  # no row is invented in the history
    np.testing.assert_array_equal(history["sales"], [3.0, 5.0, 1.0])
    assert history["promo"].tolist() == [True, True, True]
    assert history["price"].tolist() == [900.0, 700.0, 900.0]
    assert len(future) == 3 * 4 and (future["sales"] == 0).all()
    assert _at(out, "S1", "A", AS_OF + 2 * D)["price"] == 700.0
    assert _at(out, "S1", "A", AS_OF + 4 * D)["promo"] == False  # noqa: E712
    assert isinstance(out["store_id"].dtype, pd.CategoricalDtype)
    assert isinstance(out["sku"].dtype, pd.CategoricalDtype)


def test_the_panel_with_drivers_forecasts(engine: Engine) -> None:
    _seed(engine)
    dates = pd.date_range(end=pd.Timestamp(AS_OF), periods=60, freq="D")
    panel = pd.DataFrame({"store_id": "S1", "sku": "A", "date": dates, "sales": 2.0})
    with engine.connect() as conn:
        out = with_drivers(conn, panel, SERIES.iloc[:1], AS_OF, horizon=7)
    res = forecast_panel(out, AS_OF, 7, config=ForecastConfig(exogenous=("promo", "temperature")))
    assert len(res.daily) == 7
    assert res.daily["mean"].to_numpy() == pytest.approx(2.0, rel=0.05)
