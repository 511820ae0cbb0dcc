"""Ingestion keeps its promise on both databases: every row read is accounted for."""

from __future__ import annotations

import datetime as dt
import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from substitute.db.models import IngestBatch, IngestReject, Item, Review, SaleLine, UnmatchedRow
from substitute.errors import BatchRejected, DataError, MappingError
from substitute.ingest.pipeline import ingest_file
from substitute.settings import IngestSettings
from tests.ingest.helpers import ITEMS, STORES, count, snapshot, write_csv

QUIET = IngestSettings(progress=False)
LENIENT = IngestSettings(progress=False, max_reject_share=0.5)
ANYTHING = IngestSettings(progress=False, max_reject_share=1.0)


def _masters(engine, tmp_path: Path) -> None:
    ingest_file(engine, "stores", write_csv(tmp_path / "stores.csv", STORES), settings=QUIET)
    ingest_file(engine, "items", write_csv(tmp_path / "items.csv", ITEMS), settings=QUIET)


def _sale(txn: str, line: int = 1, sku: str = "TEVA-HUR-BLK-25", store: str = "ginza", **kw) -> dict:
    row = {
        "store_id": store,
        "txn_id": txn,
        "line": str(line),
        "timestamp": "2026-07-01T10:00:00+09:00",
        "sku": sku,
        "customer_id": "",
        "quantity": "1",
        "unit_price": "8800",
    }
    row.update(kw)
    return row


def test_every_row_is_loaded_duplicate_or_rejected_with_its_reason(engine, tmp_path):
    _masters(engine, tmp_path)
    rows = [_sale(f"t{i}") for i in range(97)]
    rows += [
        _sale("bad-date", timestamp="2026-13-45T10:00:00"),
        _sale("bad-qty", quantity="two"),
        _sale("no-sku", sku=""),
    ]
    summary = ingest_file(engine, "sales", write_csv(tmp_path / "sales.csv", rows), settings=QUIET)

    assert (summary.rows_read, summary.loaded, summary.rejected) == (100, 97, 3)
    assert summary.balanced
    with engine.connect() as conn:
        rejects = conn.execute(
            select(
                IngestReject.line, IngestReject.column_name, IngestReject.reason, IngestReject.raw_value
            ).order_by(IngestReject.line)
        ).all()
    assert [tuple(r) for r in rejects] == [
        (99, "timestamp", "bad_timestamp", "2026-13-45T10:00:00"),
        (100, "quantity", "bad_number", "two"),
        (101, "sku", "missing_value", ""),
    ]
    assert count(engine, "sales") == 97


def test_loading_the_same_file_twice_changes_nothing(engine, tmp_path):
    _masters(engine, tmp_path)
    path = write_csv(tmp_path / "sales.csv", [_sale(f"t{i}") for i in range(20)] + [_sale("x", quantity="?")])
    first = ingest_file(engine, "sales", path, settings=LENIENT)
    before = snapshot(engine)
    second = ingest_file(engine, "sales", path, settings=LENIENT)

    assert snapshot(engine) == before
    assert (second.loaded, second.duplicate, second.rejected, second.status) == (0, 20, 1, "duplicate")
    assert first.balanced and second.balanced
    with engine.connect() as conn:
        assert len(conn.execute(select(IngestReject.id)).all()) == 1  # rejects not duplicated


def test_duplicates_within_and_across_files_are_stored_once(engine, tmp_path):
    _masters(engine, tmp_path)
    a = write_csv(tmp_path / "a.csv", [_sale("t1"), _sale("t1"), _sale("t2")])
    b = write_csv(tmp_path / "b.csv", [_sale("t2"), _sale("t3")])
    first = ingest_file(engine, "sales", a, settings=QUIET)
    second = ingest_file(engine, "sales", b, settings=QUIET)
    assert (first.loaded, first.duplicate) == (2, 1)
    assert (second.loaded, second.duplicate) == (1, 1)
    assert count(engine, "sales") == 3


def test_a_sale_changed_after_it_was_stored_is_rejected_not_overwritten(engine, tmp_path):
    _masters(engine, tmp_path)
    ingest_file(engine, "sales", write_csv(tmp_path / "a.csv", [_sale("t1")]), settings=QUIET)
    changed = ingest_file(
        engine, "sales", write_csv(tmp_path / "b.csv", [_sale("t1", quantity="5")]), settings=ANYTHING
    )
    assert changed.reasons == {"conflicts_with_stored": 1}
    with engine.connect() as conn:
        assert conn.execute(select(SaleLine.quantity)).scalar_one() == 1


def test_a_changed_item_is_updated(engine, tmp_path):
    _masters(engine, tmp_path)
    repriced = [dict(ITEMS[0], price="7900"), ITEMS[1]]
    summary = ingest_file(engine, "items", write_csv(tmp_path / "items2.csv", repriced), settings=QUIET)
    assert (summary.updated, summary.duplicate, summary.loaded) == (1, 1, 0)
    with engine.connect() as conn:
        price = conn.execute(select(Item.price).where(Item.sku == ITEMS[0]["sku"])).scalar_one()
    assert price == 7900


def test_unknown_skus_are_parked_then_loaded_when_the_item_arrives(engine, tmp_path):
    _masters(engine, tmp_path)
    rows = [_sale("t1", sku="NEW-SANDAL-25"), _sale("t2", sku="NEW-SANDAL-25"), _sale("t3")]
    summary = ingest_file(engine, "sales", write_csv(tmp_path / "sales.csv", rows), settings=QUIET)
    assert (summary.loaded, summary.parked) == (1, 2)
    assert count(engine, "unmatched_rows") == 2

    new_item = [{"sku": "NEW-SANDAL-25", "name": "New sandal", "brand": "House"}]
    ingest_file(engine, "items", write_csv(tmp_path / "new.csv", new_item), settings=QUIET)

    assert count(engine, "unmatched_rows") == 0
    with engine.connect() as conn:
        skus = conn.execute(select(SaleLine.sku).order_by(SaleLine.txn_id)).scalars().all()
    assert skus == ["NEW-SANDAL-25", "NEW-SANDAL-25", "TEVA-HUR-BLK-25"]


def test_sales_for_an_unknown_store_wait_for_the_store(engine, tmp_path):
    _masters(engine, tmp_path)
    naive_osaka = _sale("t1", store="osaka", timestamp="2026-07-01 23:30:00")
    ingest_file(engine, "sales", write_csv(tmp_path / "s.csv", [naive_osaka]), settings=QUIET)
    with engine.connect() as conn:
        assert conn.execute(select(UnmatchedRow.missing)).scalar_one() == "store_id"
    osaka = [{"store_id": "osaka", "name": "Umeda", "timezone": "Asia/Tokyo"}]
    ingest_file(engine, "stores", write_csv(tmp_path / "osaka.csv", osaka), settings=QUIET)
    with engine.connect() as conn:
        ts, day = conn.execute(select(SaleLine.ts_utc, SaleLine.business_date)).one()
    # Naive time is the store's wall clock: 23:30 in Osaka is 14:30 UTC, the same local day.
    assert (ts, day) == (dt.datetime(2026, 7, 1, 14, 30), dt.date(2026, 7, 1))


def test_returns_stay_negative_lines(engine, tmp_path):
    _masters(engine, tmp_path)
    rows = [_sale("t1"), _sale("r1", quantity="-1")]
    ingest_file(engine, "sales", write_csv(tmp_path / "s.csv", rows), settings=QUIET)
    with engine.connect() as conn:
        qty = conn.execute(select(SaleLine.quantity).order_by(SaleLine.txn_id)).scalars().all()
    assert qty == [-1, 1]


def test_timestamps_are_utc_and_the_business_day_is_the_stores(engine, tmp_path):
    _masters(engine, tmp_path)
    rows = [
        # An offset is an instant: 23:30Z is already the next morning in Tokyo.
        _sale("utc", timestamp="2026-07-01T23:30:00Z"),
        # New York falls back on 2026-11-01: 01:30 happens twice; both sales load.
        _sale("fold-a", store="nyc", timestamp="2026-11-01 01:30:00"),
        _sale("fold-b", store="nyc", timestamp="2026-11-01 01:30:00"),
        # ...and springs forward on 2026-03-08: 02:30 never happened.
        _sale("gap", store="nyc", timestamp="2026-03-08 02:30:00"),
    ]
    summary = ingest_file(engine, "sales", write_csv(tmp_path / "s.csv", rows), settings=QUIET)
    assert summary.loaded == 4
    assert summary.warnings == {"dst_gap_shifted": 1}
    with engine.connect() as conn:
        got = dict(
            (t, (ts, d))
            for t, ts, d in conn.execute(select(SaleLine.txn_id, SaleLine.ts_utc, SaleLine.business_date))
        )
    assert got["utc"] == (dt.datetime(2026, 7, 1, 23, 30), dt.date(2026, 7, 2))
    assert got["fold-a"] == got["fold-b"] == (dt.datetime(2026, 11, 1, 5, 30), dt.date(2026, 11, 1))
    assert got["gap"] == (dt.datetime(2026, 3, 8, 7, 0), dt.date(2026, 3, 8))


def test_too_many_rejects_activate_nothing_and_keep_the_reasons(engine, tmp_path):
    _masters(engine, tmp_path)
    ingest_file(engine, "sales", write_csv(tmp_path / "good.csv", [_sale("t0")]), settings=QUIET)
    before = snapshot(engine)
    rows = [_sale(f"t{i}") for i in range(1, 10)] + [_sale("bad", quantity="x")]
    with pytest.raises(BatchRejected, match="nothing was activated") as caught:
        ingest_file(engine, "sales", write_csv(tmp_path / "bad.csv", rows), settings=QUIET)

    assert snapshot(engine) == before  # the previous data keeps serving
    assert caught.value.summary.balanced
    with engine.connect() as conn:
        status = conn.execute(select(IngestBatch.status).order_by(IngestBatch.id.desc())).first()[0]
        reasons = conn.execute(select(IngestReject.reason)).scalars().all()
    assert status == "rejected" and reasons == ["bad_number"]


def test_ragged_csv_records_are_rejected_and_the_rest_loads(engine, tmp_path):
    _masters(engine, tmp_path)
    path = write_csv(tmp_path / "s.csv", [_sale(f"t{i}") for i in range(30)])
    with path.open("a") as fh:
        fh.write("ginza,t99,1,2026-07-01T10:00:00+09:00,TEVA-HUR-BLK-25,,1,8800,EXTRA,CELLS\n")
    summary = ingest_file(engine, "sales", path, settings=LENIENT)
    assert (summary.loaded, summary.rejected, summary.reasons) == (30, 1, {"wrong_field_count": 1})
    assert summary.examples[0][0] == 32  # header is line 1


def test_gzip_and_parquet_load_like_csv(engine, tmp_path):
    _masters(engine, tmp_path)
    csv_path = write_csv(tmp_path / "s.csv", [_sale("t1"), _sale("t2")])
    gz_path = tmp_path / "s.csv.gz"
    with csv_path.open("rb") as src, gzip.open(gz_path, "wb") as dst:
        shutil.copyfileobj(src, dst)
    frame = pd.read_csv(csv_path, dtype=str)
    frame["txn_id"] = ["t3", "t4"]
    frame["quantity"] = [1.0, 2.0]
    frame.to_parquet(tmp_path / "s.parquet")
    assert ingest_file(engine, "sales", gz_path, settings=QUIET).loaded == 2
    assert ingest_file(engine, "sales", tmp_path / "s.parquet", settings=QUIET).loaded == 2
    assert count(engine, "sales") == 4


def test_a_file_missing_a_required_column_names_it(sqlite_engine, tmp_path):
    path = write_csv(tmp_path / "s.csv", [{"store_id": "x", "txn_id": "1"}])
    with pytest.raises(MappingError, match="required column 'line'"):
        ingest_file(sqlite_engine, "sales", path, settings=QUIET)


def test_a_missing_file_is_a_clear_error(sqlite_engine, tmp_path):
    with pytest.raises(DataError, match="no such file"):
        ingest_file(sqlite_engine, "sales", tmp_path / "absent.csv", settings=QUIET)


def test_unknown_kind_is_refused(sqlite_engine, tmp_path):
    with pytest.raises(DataError, match="unknown kind 'sale'"):
        ingest_file(sqlite_engine, "sale", tmp_path / "x.csv", settings=QUIET)


def test_reviews_are_read_for_loyalty_as_they_load(engine, tmp_path):
    _masters(engine, tmp_path)
    reviews = [
        {
            "review_id": "r1",
            "sku": "TEVA-HUR-BLK-25",
            "text": "Tevaのハリケーンが好きで、色違いで2足目です",
            "language": "ja",
        },
        {
            "review_id": "r2",
            "sku": "CHACO-Z1-BLK-25",
            "text": "I needed sandals for my commute and these were cheap",
            "language": "en",
        },
    ]
    summary = ingest_file(engine, "reviews", write_csv(tmp_path / "reviews.csv", reviews), settings=QUIET)
    assert summary.loaded == 2
    with engine.connect() as conn:
        labels = dict(conn.execute(select(Review.review_id, Review.loyalty_label)).all())
    assert labels == {"r1": "psychological", "r2": "behavioral"}


def test_a_batch_killed_mid_load_is_marked_failed_by_the_next_load(engine, tmp_path):
    import datetime as dt_
    import socket

    from sqlalchemy import insert

    # As a SIGKILLed load leaves it: 'running', owned by a process that no longer exists.
    dead_owner = f"{socket.gethostname()}:999999999:cafe"
    with engine.begin() as conn:
        conn.execute(
            insert(IngestBatch).values(
                kind="sales",
                source="x.csv",
                file_sha256="0" * 64,
                status="running",
                started_at=dt_.datetime(2026, 7, 1),
                owner=dead_owner,
            )
        )
    _masters(engine, tmp_path)
    with engine.connect() as conn:
        status, message = conn.execute(
            select(IngestBatch.status, IngestBatch.message).where(IngestBatch.source == "x.csv")
        ).one()
    assert status == "failed" and "abandoned" in message
