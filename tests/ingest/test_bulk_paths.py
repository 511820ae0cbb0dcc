"""The bulk paths of a load: CSV COPY on PostgreSQL, index rebuilds, chunk concatenation."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import select, text

from substitute.db.bulk import bulk_copy, copy_csv
from substitute.db.models import SaleLine
from substitute.ingest import indexes
from substitute.ingest.indexes import indexes_rebuilt_after, plain_indexes
from substitute.ingest.pipeline import _concat, ingest_file
from substitute.settings import IngestSettings
from tests.ingest.helpers import ITEMS, STORES, count, snapshot, write_csv

QUIET = IngestSettings(progress=False)
SALES = SaleLine.__table__
SALES_INDEXES = {"ix_sales_customer_id", "ix_sales_sku_store_date"}


def _awkward_sales() -> pd.DataFrame:
    """Cells a CSV rendering could get wrong: empty vs missing text, quotes, separators."""
    return pd.DataFrame(
        {
            "store_id": ["ginza", "ginza", "ginza", "ginza"],
            "txn_id": ['say "hi"', "a,b", "two\nlines", "back\\slash \\N"],
            "line": [1, 2, 3, 2**40],
            "ts_utc": pd.to_datetime(
                [
                    "2026-07-01 01:02:03.123456789",
                    "1969-12-31 23:59:59.5",
                    "2026-01-01 00:00",
                    "2026-03-08 07:00",
                ],
                format="ISO8601",
            ),
            "business_date": pd.to_datetime(["2026-07-01", "1969-12-31", "2026-01-01", "2026-03-08"]),
            "sku": ["", "S", "S", "S"],
            "customer_id": ["", None, np.nan, "c1"],
            "quantity": [0.1 + 0.2, -0.0, -3.0, 1e300],
            "unit_price": [np.nan, 5e-324, 8800.0, 1 / 3],
            "promo": [True, None, False, None],
        }
    )


def _stored(conn) -> list[tuple]:
    cols = [c for c in SALES.columns if c.name not in {"id", "batch_id"}]
    return [tuple(r) for r in conn.execute(select(*cols).order_by(SALES.c.line))]


def test_copy_csv_stores_what_the_row_by_row_path_stores(engine):
    frame = _awkward_sales()
    with engine.begin() as conn:
        bulk_copy(conn, SALES, frame)
        stored = _stored(conn)
    assert [r[1] for r in stored] == list(frame["txn_id"])
    assert [r[5] for r in stored] == [""] * 1 + ["S"] * 3
    assert [r[6] for r in stored] == ["", None, None, "c1"]
    assert [r[7] for r in stored] == [0.1 + 0.2, -0.0, -3.0, 1e300]
    assert [r[8] for r in stored] == [None, 5e-324, 8800.0, 1 / 3]
    assert [r[9] for r in stored] == [True, None, False, None]
    assert stored[0][3] == dt.datetime(2026, 7, 1, 1, 2, 3, 123456)  # truncated to microseconds
    assert stored[1][3] == dt.datetime(1969, 12, 31, 23, 59, 59, 500000)
    assert [r[4] for r in stored][:2] == [dt.date(2026, 7, 1), dt.date(1969, 12, 31)]
    assert [r[2] for r in stored] == [1, 2, 3, 2**40]


def test_copy_csv_declines_columns_that_are_not_plain_values():
    frame = _awkward_sales().assign(sku=[1, 2, 3, 4])  # numbers in a text column
    names = [c.name for c in SALES.columns if c.name in frame.columns]
    assert copy_csv(frame, SALES, names) is None
    assert copy_csv(_awkward_sales(), SALES, names) is not None


@pytest.mark.postgres
def test_numbers_in_a_text_column_still_copy_row_by_row(engine):
    frame = _awkward_sales().assign(sku=[1, 2, 3, 4])
    with engine.begin() as conn:
        assert bulk_copy(conn, SALES, frame) == 4
        assert sorted(r[5] for r in _stored(conn)) == ["1", "2", "3", "4"]


def _index_names(engine) -> set[str]:
    with engine.connect() as conn:
        return {name.split(".")[-1].strip('"') for name, _ in plain_indexes(conn, SALES)}


def test_plain_indexes_are_the_secondary_ones(engine):
    assert _index_names(engine) == SALES_INDEXES


def test_a_failure_during_a_rebuild_keeps_the_indexes(engine, monkeypatch):
    monkeypatch.setattr(indexes, "REBUILD_MIN_ROWS", 1)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        with indexes_rebuilt_after(conn, SALES, 10) as rebuilt:
            assert {n.split(".")[-1].strip('"') for n in rebuilt} == SALES_INDEXES
            raise RuntimeError("the insert failed")
    assert _index_names(engine) == SALES_INDEXES


def test_no_rebuild_for_a_batch_smaller_than_the_table(engine, monkeypatch):
    monkeypatch.setattr(indexes, "REBUILD_MIN_ROWS", 1)
    with engine.begin() as conn:
        bulk_copy(conn, SALES, _awkward_sales())
        with indexes_rebuilt_after(conn, SALES, 3) as rebuilt:
            assert rebuilt == []
        with indexes_rebuilt_after(conn, SALES, 4) as rebuilt:
            assert len(rebuilt) == 2


@pytest.mark.postgres
def test_postgres_skips_the_rebuild_while_someone_reads_the_table(engine, monkeypatch):
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL locks")
    monkeypatch.setattr(indexes, "REBUILD_MIN_ROWS", 1)
    with engine.connect() as reader:
        reader.execute(text('LOCK TABLE "sales" IN ACCESS SHARE MODE'))
        with engine.begin() as conn, indexes_rebuilt_after(conn, SALES, 10) as rebuilt:
            assert rebuilt == []
        reader.rollback()
    assert _index_names(engine) == SALES_INDEXES


def test_a_load_with_rebuilt_indexes_stores_the_same_rows(engine, tmp_path, monkeypatch):
    ingest_file(engine, "stores", write_csv(tmp_path / "stores.csv", STORES), settings=QUIET)
    ingest_file(engine, "items", write_csv(tmp_path / "items.csv", ITEMS), settings=QUIET)
    rows = [
        {
            "store_id": "nyc" if i % 3 else "ginza",
            "txn_id": f"t{i // 2}",
            "line": str(i % 2 + 1),
            "timestamp": f"2026-03-08T0{i % 4}:30:00",  # across New York's spring-forward gap
            "sku": ITEMS[i % 3]["sku"],
            "customer_id": f"c{i % 5}" if i % 2 else "",
            "quantity": str(i % 3 - 1),
            "unit_price": "8800",
        }
        for i in range(60)
    ]
    sales = write_csv(tmp_path / "sales.csv", rows)

    monkeypatch.setattr(indexes, "REBUILD_MIN_ROWS", 10**9)
    slow = ingest_file(engine, "sales", sales, settings=QUIET)
    row_by_row = snapshot(engine, ("sales",))
    with engine.begin() as conn:
        conn.execute(SALES.delete())
    ingest_file(engine, "stores", write_csv(tmp_path / "stores.csv", STORES), settings=QUIET)
    monkeypatch.setattr(indexes, "REBUILD_MIN_ROWS", 1)
    sales_again = tmp_path / "sales_again.csv"
    sales_again.write_bytes(sales.read_bytes())  # another file: not the batch already seen
    fast = ingest_file(engine, "sales", sales_again, settings=QUIET)

    assert (fast.loaded, fast.warnings) == (slow.loaded, slow.warnings) == (60, fast.warnings)
    assert snapshot(engine, ("sales",)) == row_by_row
    assert _index_names(engine) == SALES_INDEXES
    replay = ingest_file(engine, "sales", sales_again, settings=QUIET)
    assert (replay.loaded, replay.duplicate) == (0, 60)
    assert count(engine, "sales") == 60


def test_concat_gives_what_pandas_concat_gives():
    def chunk(n: int, start: int) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "sku": [f"s{i}" for i in range(start, start + n)],
                "promo": pd.Series([None] * n, dtype=object),
                "line": pd.array(range(start, start + n), dtype="Int64"),
                "ts": pd.to_datetime(["2026-01-01"] * n),
                "qty": np.arange(n, dtype="float64"),
            },
            index=range(start, start + n),
        )

    frames = [chunk(3, 0), chunk(0, 3), chunk(2, 5)]
    pd.testing.assert_frame_equal(_concat(frames), pd.concat(frames, ignore_index=True))
    pd.testing.assert_frame_equal(_concat(frames[:1]), pd.concat(frames[:1], ignore_index=True))
    mixed = [chunk(2, 0), chunk(2, 2).astype({"qty": object})]
    pd.testing.assert_frame_equal(_concat(mixed), pd.concat(mixed, ignore_index=True))
    assert _concat([]).empty
