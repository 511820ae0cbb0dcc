"""The shipped mappings load the real public datasets in ../shared/data, every row accounted for."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from substitute.db.models import Item, SaleLine
from substitute.ingest.pipeline import ingest_file
from substitute.settings import IngestSettings

MAPPINGS = Path(__file__).resolve().parents[2] / "configs" / "mappings"
QUIET = IngestSettings(progress=False)

pytestmark = pytest.mark.realdata


def _load(engine, kind: str, path: Path, mapping: str):
    summary = ingest_file(
        engine, kind, path, mapping_path=MAPPINGS / mapping / f"{kind}.toml", settings=QUIET
    )
    assert summary.balanced, summary.render()
    return summary


def test_hm_loads_every_unit_including_identical_rows(engine, shared_data):
    hm = shared_data / "hm"
    stores = _load(engine, "stores", hm / "transactions_train.csv", "hm")
    items = _load(engine, "items", hm / "articles.parquet", "hm")
    _load(engine, "customers", hm / "customers.csv", "hm")
    sales = _load(engine, "sales", hm / "transactions_train.csv", "hm")

    assert stores.loaded == 2
    assert items.loaded == 105_542
    # 910 rows repeat another row exactly: they are further units, not duplicates.
    assert (sales.rows_read, sales.loaded + sales.parked, sales.rejected) == (10_000, 10_000, 0)
    with engine.connect() as conn:
        model = conn.execute(select(Item.model).where(Item.sku == "108775015")).scalar_one()
    assert model == "108775"  # article 108775015 is product code 108775 in one colour


def test_dunnhumby_loads_with_manufacturer_as_brand(engine, shared_data):
    dh = shared_data / "dunnhumby"
    _load(engine, "stores", dh / "transactions_sample.csv.gz", "dunnhumby")
    items = _load(engine, "items", dh / "products.csv.gz", "dunnhumby")
    _load(engine, "customers", dh / "demographics.csv.gz", "dunnhumby")
    sales = _load(engine, "sales", dh / "transactions_sample.csv.gz", "dunnhumby")

    assert items.loaded == 92_331
    assert sales.rows_read == 75_000
    assert sales.loaded > 70_000
    with engine.connect() as conn:
        brand = conn.execute(select(Item.brand).where(Item.sku == "25671")).scalar_one()
    assert brand == "manufacturer 2"


@pytest.mark.slow
def test_ta_feng_loads_all_817741_lines(sqlite_engine, shared_data):
    path = shared_data / "ta_feng" / "ta_feng.csv.zip"
    _load(sqlite_engine, "stores", path, "ta_feng")
    items = _load(sqlite_engine, "items", path, "ta_feng")
    customers = _load(sqlite_engine, "customers", path, "ta_feng")
    sales = _load(sqlite_engine, "sales", path, "ta_feng")

    assert (items.loaded, customers.loaded) == (23_812, 32_266)
    assert (sales.rows_read, sales.loaded) == (817_741, 817_741)
    with sqlite_engine.connect() as conn:
        days = conn.execute(select(func.count(func.distinct(SaleLine.business_date)))).scalar_one()
    assert days == 120  # Nov 2000 – Feb 2001, every trading day
