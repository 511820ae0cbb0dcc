"""Property: any batch, loaded twice, leaves the same data as loaded once, and balances."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from substitute.db.models import Base
from substitute.ingest.pipeline import ingest_file
from substitute.settings import IngestSettings
from tests.ingest.helpers import ITEMS, STORES, snapshot, write_csv

ANYTHING = IngestSettings(progress=False, max_reject_share=1.0)
SKUS = [i["sku"] for i in ITEMS] + ["UNKNOWN-SKU"]

good_sale = st.fixed_dictionaries(
    {
        "store_id": st.sampled_from(["ginza", "ec", "nyc", "nowhere"]),
        "txn_id": st.sampled_from([f"t{i}" for i in range(8)]),
        "line": st.integers(1, 3).map(str),
        "timestamp": st.sampled_from(
            [
                "2026-07-01T10:00:00+09:00",
                "2026-11-01 01:30:00",
                "2026-03-08 02:30:00",
                "2026-07-02T01:00:00Z",
            ]
        ),
        "sku": st.sampled_from(SKUS),
        "customer_id": st.sampled_from(["", "c1", "c2"]),
        "quantity": st.sampled_from(["1", "2", "-1", "0.5"]),
        "unit_price": st.sampled_from(["", "8800", "100.5"]),
    }
)
# A bad cell in one of the columns: unparseable, missing, or out of range.
bad_cell = st.sampled_from(
    [("quantity", "two"), ("timestamp", "yesterday"), ("sku", ""), ("line", "1.5"), ("unit_price", "-3")]
)
row = st.one_of(
    good_sale,
    st.tuples(good_sale, bad_cell).map(lambda pair: {**pair[0], pair[1][0]: pair[1][1]}),
)


def _clear(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(delete(table))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(row, min_size=1, max_size=40))
def test_ingesting_twice_equals_ingesting_once(engine: Engine, tmp_path: Path, rows: list[dict]) -> None:
    _clear(engine)
    ingest_file(engine, "stores", write_csv(tmp_path / "stores.csv", STORES), settings=ANYTHING)
    ingest_file(engine, "items", write_csv(tmp_path / "items.csv", ITEMS), settings=ANYTHING)
    path = write_csv(tmp_path / "sales.csv", rows)

    first = ingest_file(engine, "sales", path, settings=ANYTHING)
    once = snapshot(engine)
    second = ingest_file(engine, "sales", path, settings=ANYTHING)

    assert snapshot(engine) == once
    for summary in (first, second):
        assert summary.rows_read == len(rows)
        assert (
            summary.loaded + summary.updated + summary.parked + summary.duplicate + summary.rejected
            == len(rows)
        )
    assert second.loaded == second.updated == second.parked == 0
    assert second.rejected == first.rejected
