"""What a forecast run reads: one row per series and day, whatever the fetch size."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from substitute.db import frames
from substitute.db.bulk import bulk_copy
from substitute.db.models import InventorySnapshot, Item, Receipt, SaleLine, Store
from substitute.nightly.inputs import load_inputs

AS_OF = dt.date(2026, 7, 20)
DAYS = 30  # the window starts on 2026-06-21


def _day(d: int) -> pd.Timestamp:
    return pd.Timestamp(AS_OF) - pd.Timedelta(days=d)


def _seed(engine: Engine) -> None:
    """Sales with returns and several lines a day, stock with and without sales, and rows a run must skip."""
    sales = [
        ("ginza", "A", 2, 3.0),
        ("ginza", "A", 2, 2.0),
        ("ginza", "A", 2, -1.0),  # a return: not negative demand
        ("ginza", "A", 1, -2.0),  # only a return that day: no demand, yet a row
        ("ginza", "B", 0, 1.5),
        ("popup", "A", 0, 4.0),  # a store missing from the stores table still sells
        ("ginza", "Z", 0, 9.0),  # inactive item
        ("ginza", "Q", 0, 9.0),  # unknown item
        ("ginza", "A", DAYS, 9.0),  # the day before the window
    ]
    stock = [
        ("ginza", "A", 1, 0.0, None),  # empty shelf on a day with a row of sales
        ("ginza", "A", 0, 4.0, True),  # stock, no sales
        ("ginza", "C", DAYS + 5, 7.0, False),  # an old position without recent rows
        ("ginza", "Z", 0, 1.0, False),
    ]
    with engine.begin() as conn:
        bulk_copy(
            conn,
            Store.__table__,
            pd.DataFrame(
                {"store_id": ["ginza"], "name": "g", "kind": "store", "timezone": "UTC", "active": True}
            ),
        )
        bulk_copy(
            conn,
            Item.__table__,
            pd.DataFrame({"sku": ["A", "B", "C", "Z"], "name": "i", "active": [True, True, True, False]}),
        )
        bulk_copy(
            conn,
            SaleLine.__table__,
            pd.DataFrame(
                {
                    "store_id": [s for s, *_ in sales],
                    "txn_id": [f"t{i}" for i in range(len(sales))],
                    "line": 1,
                    "ts_utc": [_day(d) for _, _, d, _ in sales],
                    "business_date": [_day(d) for _, _, d, _ in sales],
                    "sku": [k for _, k, *_ in sales],
                    "quantity": [q for *_, q in sales],
                }
            ),
        )
        bulk_copy(
            conn,
            InventorySnapshot.__table__,
            pd.DataFrame(stock, columns=["store_id", "sku", "business_date", "on_hand", "stockout"]).assign(
                business_date=lambda f: f["business_date"].map(_day)
            ),
        )
        bulk_copy(
            conn,
            Receipt.__table__,
            pd.DataFrame(
                {
                    "store_id": ["ginza"],
                    "sku": ["B"],
                    "po_id": ["po1"],
                    "expected_date": [_day(-3)],
                    "quantity": [6.0],
                }
            ),
        )


def _read(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return load_inputs(conn, AS_OF, DAYS)


def test_the_panel_has_one_row_per_series_and_day(engine):
    _seed(engine)
    inputs = _read(engine)
    panel = inputs.panel.assign(
        store_id=lambda f: f["store_id"].astype(str), sku=lambda f: f["sku"].astype(str)
    )
    panel = panel.sort_values(["store_id", "sku", "date"]).reset_index(drop=True)
    expected = pd.DataFrame(
        [
            ("ginza", "A", _day(2), 5.0, np.nan, False),
            ("ginza", "A", _day(1), 0.0, 0.0, False),
            ("ginza", "A", _day(0), 0.0, 4.0, True),
            ("ginza", "B", _day(0), 1.5, np.nan, False),
            ("popup", "A", _day(0), 4.0, np.nan, False),
        ],
        columns=["store_id", "sku", "date", "sales", "on_hand", "stockout"],
    )
    pd.testing.assert_frame_equal(panel, expected, check_dtype=False)
    assert list(inputs.panel["sku"].cat.categories) == ["A", "B"]  # sorted, only those used
    assert inputs.series.values.tolist() == [["ginza", "A"], ["ginza", "B"], ["ginza", "C"], ["popup", "A"]]
    assert inputs.receipts[["sku", "qty"]].values.tolist() == [["B", 6.0]]


def test_a_read_in_small_chunks_gives_the_same_inputs(engine, monkeypatch):
    _seed(engine)
    whole = _read(engine)
    monkeypatch.setattr(frames, "FETCH_ROWS", 2)  # SQLite fetches in chunks; PostgreSQL streams COPY
    chunked = _read(engine)
    for part in ("panel", "positions", "receipts", "series"):
        pd.testing.assert_frame_equal(getattr(chunked, part), getattr(whole, part))


def test_nothing_in_the_window_reads_as_empty(engine):
    inputs = _read(engine)
    assert inputs.n_series == 0 and inputs.panel.empty


def test_postgresql_reads_with_more_work_memory_for_this_transaction_only(engine):
    from sqlalchemy import text

    _seed(engine)
    with engine.connect() as conn:
        load_inputs(conn, AS_OF, DAYS, work_mem="64MB")
        if engine.dialect.name == "postgresql":
            assert conn.execute(text("SHOW work_mem")).scalar() == "64MB"
            conn.rollback()
            assert conn.execute(text("SHOW work_mem")).scalar() != "64MB"
