"""What a forecast run reads from the database: daily demand, positions, receipts.

Demand is gross units sold per store-local business day. Returns are not
negative demand: the customer did want the item that day, and a returned unit
that goes back on the shelf shows up in the next inventory snapshot.

At M5 scale (18 M series-days) reading is most of a run, so the sales come
aggregated per series and day by the database, with days as integers (and, on
SQLite, items as integer keys) straight into numpy columns, and sales and stock
are matched on integer cell codes instead of a merge or group-by on text.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Integer,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.sql.expression import ColumnClause

from substitute.db.bulk import driver_connection
from substitute.db.frames import read_frame, read_typed
from substitute.db.models import InventorySnapshot, Item, Receipt, SaleLine, table_of
from substitute.errors import DataError

KEY = ["store_id", "sku"]
_PANEL_DTYPES = {
    "store_id": "object",
    "sku": "object",
    "date": "datetime64[ns]",
    "sales": "float64",
    "on_hand": "float64",
    "stockout": "bool",
}
_SALES = {"store_id": "category", "sku": "category", "day": "int64", "sales": "float64"}
_STOCK = {"store_id": "category", "sku": "category", "day": "int64", "on_hand": "float64", "stockout": "bool"}


class StageClock:
    """Wall seconds per stage of a run, so that operators see where a slow night went."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def __call__(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + time.perf_counter() - started

    def render(self) -> str:
        return ", ".join(f"{stage} {s:.1f} s" for stage, s in self.seconds.items())


@dataclass
class ForecastInputs:
    panel: pd.DataFrame  # store_id, sku, date, sales, on_hand, stockout
    positions: pd.DataFrame  # store_id, sku, on_hand, lead_time_days
    receipts: pd.DataFrame  # store_id, sku, date, qty
    series: pd.DataFrame  # store_id, sku: every active series that must get a forecast

    @property
    def n_series(self) -> int:
        return len(self.series)


def _active_skus():  # type: ignore[no-untyped-def]
    return select(Item.sku).where(Item.active.is_not(False))


def days_since(conn: Connection, column, start: dt.date):  # type: ignore[no-untyped-def]
    """Whole days from ``start``, computed by the database: no date object per row."""
    if conn.dialect.name == "sqlite":  # dates are ISO text there
        return cast(func.julianday(column) - func.julianday(literal(start, Date)), Integer)
    return column - cast(literal(start, Date), Date)  # PostgreSQL: date - date is an integer


def _gross(quantity):  # type: ignore[no-untyped-def]
    return func.sum(case((quantity > 0, quantity), else_=0.0))


@contextmanager
def _sqlite_snapshot(conn: Connection) -> Iterator[None]:
    """One read transaction, so that consecutive SQLite reads see one state of the data."""
    driver = driver_connection(conn)
    if driver.in_transaction:
        yield
        return
    conn.exec_driver_sql("BEGIN")
    try:
        yield
    finally:
        driver.rollback()


def _read_sales_sqlite(conn: Connection, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """:func:`_read_sales` with items keyed by rowid: 18 M sku strings cost more than the query.

    Joined from the items, SQLite walks the (sku, store, date) index item by
    item, so the groups come out in order without a sort.
    """
    items, sales = table_of(Item).alias("i"), table_of(SaleLine).alias("s")
    rowid: ColumnClause[int] = literal_column("i.rowid", Integer)
    query = (
        select(
            sales.c.store_id, rowid, days_since(conn, sales.c.business_date, start), _gross(sales.c.quantity)
        )
        .select_from(items.join(sales, sales.c.sku == items.c.sku))
        .where(items.c.active.is_not(False), sales.c.business_date.between(start, as_of))
        .group_by(rowid, sales.c.store_id, sales.c.business_date)
    )
    with _sqlite_snapshot(conn):  # rowids and their skus from the same state of the table
        skus = read_typed(conn, select(rowid, items.c.sku), {"rowid": "int64", "sku": "object"})
        rows = read_typed(conn, query, {**_SALES, "sku": "int64"})
    codes = pd.Index(skus["rowid"]).get_indexer(rows["sku"].to_numpy())
    rows["sku"] = pd.Categorical.from_codes(codes, categories=pd.Index(skus["sku"]))
    return rows


def _read_sales(conn: Connection, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """Gross units per store, active sku and day: ``store_id, sku, day, sales``."""
    if conn.dialect.name == "sqlite":
        return _read_sales_sqlite(conn, start, as_of)
    query = (
        select(
            SaleLine.store_id,
            SaleLine.sku,
            days_since(conn, SaleLine.business_date, start),
            _gross(SaleLine.quantity),
        )
        .where(SaleLine.business_date.between(start, as_of), SaleLine.sku.in_(_active_skus()))
        .group_by(SaleLine.store_id, SaleLine.sku, SaleLine.business_date)
    )
    return read_typed(conn, query, _SALES)


def _read_stock(conn: Connection, start: dt.date, as_of: dt.date) -> pd.DataFrame:
    """End-of-day stock of active skus: ``store_id, sku, day, on_hand, stockout``."""
    query = select(
        InventorySnapshot.store_id,
        InventorySnapshot.sku,
        days_since(conn, InventorySnapshot.business_date, start),
        InventorySnapshot.on_hand,
        func.coalesce(InventorySnapshot.stockout, False),
    ).where(InventorySnapshot.business_date.between(start, as_of), InventorySnapshot.sku.in_(_active_skus()))
    return read_typed(conn, query, _STOCK)


def _common_codes(*columns: pd.Series) -> tuple[list[np.ndarray], pd.Index]:
    """Each categorical column's codes into one sorted list of the values used: code order is text order."""
    used = [
        col.cat.categories[np.bincount(col.cat.codes, minlength=len(col.cat.categories)) > 0]
        for col in columns
    ]
    values = pd.Index(np.unique(np.concatenate([u.to_numpy(dtype=object) for u in used])))
    return [values.get_indexer(col.cat.categories)[col.cat.codes] for col in columns], values


def _cell_codes(
    sales: pd.DataFrame, stock: pd.DataFrame, days: int
) -> tuple[np.ndarray, np.ndarray, pd.Index, pd.Index]:
    """Each sales and stock row's cell, ``(store x sku) x day`` on sorted keys, and those keys."""
    stores_at, stores = _common_codes(sales["store_id"], stock["store_id"])
    skus_at, skus = _common_codes(sales["sku"], stock["sku"])
    sales_cell, stock_cell = (
        (store.astype(np.int64) * len(skus) + sku) * days + frame["day"].to_numpy()
        for store, sku, frame in zip(stores_at, skus_at, (sales, stock), strict=True)
    )
    return sales_cell, stock_cell, stores, skus


def _stock_rows(sales_cell: np.ndarray, stock_cell: np.ndarray) -> np.ndarray:
    """The stock row of each panel row (-1: none): first the sales rows, then stock rows without sales.

    Cells are unique on both sides (the query groups sales, stock is keyed by
    cell), so a hash of the stock cells finds the matches without sorting
    the millions of sales rows.
    """
    match = pd.Index(stock_cell).get_indexer(sales_cell)
    stock_only = np.ones(len(stock_cell), dtype=bool)
    stock_only[match[match >= 0]] = False
    return np.concatenate([match, np.flatnonzero(stock_only)])


def _take(values: np.ndarray, rows: np.ndarray, missing: object) -> np.ndarray:
    out = np.full(len(rows), missing, dtype=values.dtype)
    known = rows >= 0
    out[known] = values[rows[known]]
    return out


def _daily_panel(sales: pd.DataFrame, stock: pd.DataFrame, start: dt.date, days: int) -> pd.DataFrame:
    """One row per series and day with its sales and, where known, its end-of-day stock.

    Matched on integer cell codes: at M5 scale a merge or group-by on text took
    minutes. As with the group-by this replaces, missing sales count as none,
    a day with only stock sold nothing, and rows come in no particular order.
    """
    if not len(sales) and not len(stock):
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in _PANEL_DTYPES.items()})
    sales_cell, stock_cell, stores, skus = _cell_codes(sales, stock, days)
    at_stock = _stock_rows(sales_cell, stock_cell)
    series, day = np.divmod(np.concatenate([sales_cell, stock_cell[at_stock[len(sales) :]]]), days)
    sold = sales["sales"].to_numpy(dtype=np.float64)
    return pd.DataFrame(
        {
            "store_id": pd.Categorical.from_codes(series // len(skus), categories=stores),
            "sku": pd.Categorical.from_codes(series % len(skus), categories=skus),
            "date": (np.datetime64(start, "D") + day).astype("datetime64[ns]"),
            "sales": np.concatenate([np.where(np.isnan(sold), 0.0, sold), np.zeros(len(day) - len(sold))]),
            "on_hand": _take(stock["on_hand"].to_numpy(dtype=np.float64), at_stock, np.nan),
            "stockout": _take(stock["stockout"].to_numpy(dtype=bool), at_stock, False),
        }
    )


def _series(panel: pd.DataFrame, positions: pd.DataFrame) -> pd.DataFrame:
    """Every series with sales, stock or a position, sorted by ``store_id, sku``."""
    # Unique keys per part first (cheap on categorical codes), then one sorted list.
    parts = [frame[KEY].drop_duplicates().astype(str) for frame in (panel, positions) if len(frame)]
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in KEY})
    return (
        pd.concat(parts, ignore_index=True)
        .drop_duplicates()
        .sort_values(KEY, kind="stable")
        .reset_index(drop=True)
    )


def latest_business_date(conn: Connection) -> dt.date:
    """The last day with sales: the default ``as_of`` of a run."""
    day = conn.execute(select(func.max(SaleLine.business_date))).scalar_one()
    if day is None:
        raise DataError("no sales are loaded: ingest sales before forecasting")
    return day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day))


def _read_positions(conn: Connection, as_of: dt.date) -> pd.DataFrame:
    """The last stock position of each active series up to ``as_of``, with its lead time."""
    last = (
        select(
            InventorySnapshot.store_id,
            InventorySnapshot.sku,
            func.max(InventorySnapshot.business_date).label("day"),
        )
        .where(InventorySnapshot.business_date <= as_of, InventorySnapshot.sku.in_(_active_skus()))
        .group_by(InventorySnapshot.store_id, InventorySnapshot.sku)
        .subquery()
    )
    return read_frame(
        conn,
        select(
            InventorySnapshot.store_id,
            InventorySnapshot.sku,
            InventorySnapshot.on_hand,
            InventorySnapshot.lead_time_days,
        ).join(
            last,
            and_(
                InventorySnapshot.store_id == last.c.store_id,
                InventorySnapshot.sku == last.c.sku,
                InventorySnapshot.business_date == last.c.day,
            ),
        ),
        [*KEY, "on_hand", "lead_time_days"],
    )


def _read_receipts(conn: Connection, as_of: dt.date) -> pd.DataFrame:
    receipts = read_frame(
        conn,
        select(Receipt.store_id, Receipt.sku, cast(Receipt.expected_date, String), Receipt.quantity).where(
            Receipt.expected_date > as_of, Receipt.sku.in_(_active_skus())
        ),
        [*KEY, "date", "qty"],
    )
    receipts["date"] = pd.to_datetime(receipts["date"], format="ISO8601")
    return receipts


def load_inputs(
    conn: Connection,
    as_of: dt.date,
    history_days: int,
    clock: StageClock | None = None,
    *,
    work_mem: str | None = None,
) -> ForecastInputs:
    """Read everything a run needs for days ``as_of - history_days + 1 .. as_of``.

    ``work_mem`` (PostgreSQL, e.g. ``"256MB"``) is set for this transaction
    only: the per-day sums of millions of sale lines spill to disk with the
    server's default 4 MB, and halved one such read with it raised.
    """
    clock = clock or StageClock()
    start = as_of - dt.timedelta(days=history_days - 1)
    if work_mem and conn.dialect.name == "postgresql":
        # A setting cannot be a bind parameter; set_config can, and is_local=true ends with the transaction.
        conn.execute(select(func.set_config("work_mem", work_mem, True)))
    with clock("read sales"):
        sales = _read_sales(conn, start, as_of)
    with clock("read stock"):
        stock = _read_stock(conn, start, as_of)
        positions = _read_positions(conn, as_of)
        receipts = _read_receipts(conn, as_of)
    with clock("panel"):
        panel = _daily_panel(sales, stock, start, history_days)
        del sales, stock
        series = _series(panel, positions)
    return ForecastInputs(panel=panel, positions=positions, receipts=receipts, series=series)
