"""Small builders for ingestion tests: canonical files and database snapshots."""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy import Engine, select

from substitute.db.models import Base

STORES = [
    {"store_id": "ginza", "name": "Ginza", "kind": "store", "timezone": "Asia/Tokyo"},
    {"store_id": "ec", "name": "Online", "kind": "online", "timezone": "Asia/Tokyo"},
    {"store_id": "nyc", "name": "New York", "kind": "store", "timezone": "America/New_York"},
]
ITEMS = [
    {"sku": "TEVA-HUR-BLK-25", "name": "Hurricane XLT2", "brand": "Teva", "model": "HUR", "price": "8800"},
    {"sku": "TEVA-HUR-RED-25", "name": "Hurricane XLT2", "brand": "Teva", "model": "HUR", "price": "8800"},
    {"sku": "CHACO-Z1-BLK-25", "name": "Z/1 Classic", "brand": "Chaco", "model": "Z1", "price": "12100"},
]

#: Tables that hold retailer data (not the ledger of how it came in).
DATA_TABLES = (
    "stores",
    "items",
    "customers",
    "sales",
    "inventory",
    "receipts",
    "reviews",
    "substitution_events",
    "promotions",
    "weather",
    "unmatched_rows",
)


def write_csv(path: Path, rows: list[dict], columns: list[str] | None = None) -> Path:
    columns = columns or list(rows[0])
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    return path


def snapshot(engine: Engine, tables: tuple[str, ...] = DATA_TABLES) -> dict[str, list[tuple]]:
    """Every row of the data tables, without surrogate ids and batch ids, sorted."""
    out = {}
    with engine.connect() as conn:
        for name in tables:
            table = Base.metadata.tables[name]
            cols = [c for c in table.columns if c.name not in {"id", "batch_id"}]
            out[name] = sorted((tuple(r) for r in conn.execute(select(*cols))), key=repr)
    return out


def count(engine: Engine, table: str) -> int:
    return len(snapshot(engine, (table,))[table])
