"""Demand drivers known in advance, read for a forecast: planned promotions and the weather.

A promotion is planned before it runs and the coming days' temperature has a
forecast, so both can be given for the horizon as well as for the history.
The forecaster (:mod:`substitute.forecast.exogenous`) reads them from the
panel's ``promo``, ``price`` and ``temperature_c`` columns: for the history
from the rows the panel already has, for the horizon from rows after
``as_of``, which carry drivers and no sales.

Conventions, so that a missing fact is never mistaken for a neutral one:

* ``promo`` is False on a day no promotion covers: the promotions table is
  the complete plan;
* ``price`` is the item's list price less the deepest discount of the day,
  NaN when the item has no list price;
* ``temperature_c`` is NaN when the store has no weather row that day (the
  forecaster then leaves the temperature effect out rather than guess);
* ``group`` is the item's category: the series that share effects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from substitute.db.frames import read_frame
from substitute.db.models import Item, Promotion, Weather
from substitute.nightly.inputs import days_since

KEY = ["store_id", "sku"]
DRIVERS = ["promo", "price", "temperature_c", "group"]


def _codes(values: pd.Series, universe: pd.Index) -> np.ndarray:
    """Position of each value in ``universe`` (-1 if absent); fast on categoricals."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.append(universe.get_indexer(values.cat.categories.astype(object)), -1)
        return lookup[values.cat.codes.to_numpy()]
    return universe.get_indexer(pd.Index(values.astype(object)))


def _distinct(*columns: pd.Series) -> pd.Index:
    """Distinct values of some key columns (a categorical's categories: no pass over its rows)."""
    parts = [c.cat.categories if isinstance(c.dtype, pd.CategoricalDtype) else pd.unique(c) for c in columns]
    return pd.Index(pd.unique(np.concatenate([np.asarray(p, dtype=object) for p in parts])))


def _deepest(key: np.ndarray, first: np.ndarray, last: np.ndarray, pct: np.ndarray, width: int) -> pd.Series:
    """Deepest percent off per ``key * width + day`` cell of promotions running ``first..last``."""
    first, last = np.maximum(first, 0), np.minimum(last, width - 1)
    length = np.maximum(last - first + 1, 0)
    which = np.repeat(np.arange(len(key)), length)
    offset = np.arange(len(which)) - np.repeat(np.cumsum(length) - length, length)
    cells = key[which] * width + first[which] + offset
    return pd.Series(pct[which]).groupby(cells).max()


@dataclass(frozen=True)
class DriverTables:
    """The window's weather, promotions and list prices, indexed by store, SKU and day number."""

    stores: pd.Index
    skus: pd.Index
    start: dt.date
    temperature: np.ndarray  # (stores, days), NaN = no weather row
    list_price: np.ndarray  # (skus,), NaN = unknown
    category: np.ndarray  # (skus,) object, None = unknown
    chain_off: pd.Series  # deepest percent off per sku * days + day, promotions of every store
    store_off: pd.Series  # the same per (store * skus + sku) * days + day, one store's promotions

    @property
    def width(self) -> int:
        return int(self.temperature.shape[1])

    def at(self, rows: pd.DataFrame) -> pd.DataFrame:
        """``promo, price, temperature_c, group`` of each ``store_id, sku, date`` row (same index)."""
        s = _codes(rows["store_id"], self.stores)
        k = _codes(rows["sku"], self.skus)
        day = pd.to_datetime(rows["date"]).to_numpy(dtype="datetime64[D]")
        d = (day - np.datetime64(self.start, "D")).astype(np.int64)
        inside = (s >= 0) & (k >= 0) & (d >= 0) & (d < self.width)
        temperature = np.full(len(rows), np.nan)
        temperature[inside] = self.temperature[s[inside], d[inside]]
        off = np.full(len(rows), -1.0)
        for table, key in ((self.chain_off, k), (self.store_off, s * len(self.skus) + k)):
            where = table.index.get_indexer(pd.Index(key * self.width + d))
            hit = inside & (where >= 0)
            off[hit] = np.maximum(off[hit], table.to_numpy()[where[hit]])
        promo = off >= 0
        price = np.where(k >= 0, self.list_price[np.maximum(k, 0)], np.nan) * (
            1.0 - np.maximum(off, 0.0) / 100.0
        )
        names = pd.Index(pd.unique(self.category[pd.notna(self.category)]))
        group = pd.Series(
            np.where(k >= 0, self.category[np.maximum(k, 0)], None), index=rows.index, dtype=object
        )
        return pd.DataFrame(
            {
                "promo": promo,
                "price": price,
                "temperature_c": temperature,
                "group": group.astype(pd.CategoricalDtype(names)),
            },
            index=rows.index,
        )


def read_driver_tables(
    conn: Connection, stores: pd.Index, skus: pd.Index, start: dt.date, end: dt.date
) -> DriverTables:
    """Read the weather, promotions and list prices of ``stores`` and ``skus`` for ``start..end``.

    Filtered by date in the database and by store and SKU here: a list of
    every SKU would not fit in one SQL statement.
    """
    width = (end - start).days + 1
    temperature = np.full((len(stores), width), np.nan)
    weather = read_frame(
        conn,
        select(Weather.store_id, days_since(conn, Weather.business_date, start), Weather.temperature_c).where(
            Weather.business_date.between(start, end)
        ),
        ["store_id", "day", "temperature_c"],
    )
    at = _codes(weather["store_id"], stores)
    known = at >= 0
    temperature[at[known], weather["day"].to_numpy(dtype=np.int64)[known]] = pd.to_numeric(
        weather["temperature_c"][known]
    ).astype(float)
    items = read_frame(conn, select(Item.sku, Item.price, Item.category), ["sku", "price", "category"])
    at = _codes(items["sku"], skus)
    known = at >= 0
    list_price = np.full(len(skus), np.nan)
    list_price[at[known]] = pd.to_numeric(items["price"][known]).astype(float)
    category = np.full(len(skus), None, dtype=object)
    category[at[known]] = items["category"].to_numpy(dtype=object)[known]
    promos = read_frame(
        conn,
        select(
            Promotion.store_id,
            Promotion.sku,
            days_since(conn, Promotion.start_date, start),
            days_since(conn, Promotion.end_date, start),
            Promotion.discount_pct,
        ).where(Promotion.start_date <= end, Promotion.end_date >= start),
        ["store_id", "sku", "start", "end", "pct"],
    )
    k = _codes(promos["sku"], skus)
    s = _codes(promos["store_id"].fillna(""), stores)
    chain = promos["store_id"].isna().to_numpy()
    first, last = (promos[c].to_numpy(dtype=np.int64) for c in ("start", "end"))
    pct = pd.to_numeric(promos["pct"]).fillna(0.0).to_numpy(dtype=float)
    mine = (k >= 0) & (chain | (s >= 0))  # other SKUs' and other stores' promotions are not ours
    c, o = mine & chain, mine & ~chain
    return DriverTables(
        stores,
        skus,
        start,
        temperature,
        list_price,
        category,
        chain_off=_deepest(k[c], first[c], last[c], pct[c], width),
        store_off=_deepest(s[o] * len(skus) + k[o], first[o], last[o], pct[o], width),
    )


def _grid(series: pd.DataFrame, start: dt.date, end: dt.date) -> pd.DataFrame:
    keys = series[KEY].astype(object).drop_duplicates()
    dates = pd.date_range(start, end, freq="D")
    return pd.DataFrame(
        {
            "store_id": np.repeat(keys["store_id"].to_numpy(), len(dates)),
            "sku": np.repeat(keys["sku"].to_numpy(), len(dates)),
            "date": np.tile(dates.to_numpy(), len(keys)),
        }
    )


def with_drivers(
    conn: Connection, panel: pd.DataFrame, series: pd.DataFrame, as_of: dt.date, horizon: int
) -> pd.DataFrame:
    """The panel with drivers on its rows, plus one driver row per series and horizon day.

    History rows keep their sales and stock. Horizon rows (after ``as_of``,
    ``sales`` 0) carry only drivers: the forecaster never reads sales after
    ``as_of``. No row is added to the history (a zero-sales row would move a
    launch date); the forecaster shares a store's temperature among its series.
    """
    first = pd.Timestamp(panel["date"].min()).date() if len(panel) else as_of
    end = as_of + dt.timedelta(days=horizon)
    stores = _distinct(panel["store_id"], series["store_id"])
    skus = _distinct(panel["sku"], series["sku"])
    tables = read_driver_tables(conn, stores, skus, min(first, as_of), end)
    history = panel.drop(columns=[c for c in DRIVERS if c in panel.columns])
    history = pd.concat([history, tables.at(history)], axis=1)
    if horizon <= 0 or series.empty:
        return history
    future = _grid(series, as_of + dt.timedelta(days=1), end)
    future = pd.concat([future, tables.at(future)], axis=1).assign(sales=0.0, on_hand=np.nan, stockout=False)
    for column in KEY:  # keep the panel's categorical keys categorical
        if isinstance(history[column].dtype, pd.CategoricalDtype):
            cats = history[column].cat.categories.union(pd.Index(pd.unique(future[column])))
            history[column] = history[column].cat.set_categories(cats)
            future[column] = pd.Categorical(future[column], categories=cats)
    return pd.concat([history, future[history.columns]], ignore_index=True)
