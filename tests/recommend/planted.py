"""A small retailer whose right answers are planted.

* ``TWIN-A`` and ``TWIN-B`` (snacks, no brand) are always bought together by
  the same 30 customers; ``SNK-C`` / ``SNK-D`` by 30 others: the twins are each
  other's ALS top substitute.
* Sandals: Teva Hurricane in black and red, sizes 24 and 25; Teva Terra (same
  brand, another model); Chaco Z1 and KEEN Newport (outdoor, other brands);
  Gen Slide (leisure only, cheap). ``T-HUR-BLK-24`` is out of stock at ``S1``
  and comes back in three days.
* Hurricane's reviews are brand-attached (psychological); the others' are
  need-driven.
* ``psych`` is brand-loyal in sandals, ``behav`` need-driven and owns the
  yukata that Chaco buyers also buy.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from substitute.db.bulk import bulk_copy
from substitute.db.models import Customer, InventorySnapshot, Item, Receipt, Review, SaleLine, Store
from substitute.recommend.frames import RecommendFrames

AS_OF = dt.date(2025, 6, 30)
ITEMS = [
    # sku, name, brand, model, colour, size, category, purpose, price
    (
        "T-HUR-BLK-24",
        "Hurricane black 24",
        "Teva",
        "Hurricane",
        "black",
        "24",
        "sandals",
        "outdoor|leisure",
        9000,
    ),
    (
        "T-HUR-BLK-25",
        "Hurricane black 25",
        "Teva",
        "Hurricane",
        "black",
        "25",
        "sandals",
        "outdoor|leisure",
        9000,
    ),
    (
        "T-HUR-RED-24",
        "Hurricane red 24",
        "Teva",
        "Hurricane",
        "red",
        "24",
        "sandals",
        "outdoor|leisure",
        9000,
    ),
    (
        "T-HUR-RED-25",
        "Hurricane red 25",
        "Teva",
        "Hurricane",
        "red",
        "25",
        "sandals",
        "outdoor|leisure",
        9000,
    ),
    ("T-TER-BLK-24", "Terra black 24", "Teva", "Terra", "black", "24", "sandals", "leisure", 8000),
    ("C-Z1-BLK-24", "Z1 black 24", "Chaco", "Z1", "black", "24", "sandals", "outdoor|leisure", 9500),
    ("K-NEW-BLK-24", "Newport black 24", "KEEN", "Newport", "black", "24", "sandals", "outdoor", 10000),
    ("G-SLD-BLK-24", "Slide black 24", "Gen", "Slide", "black", "24", "sandals", "leisure", 2000),
    ("YUKATA-1", "indigo yukata", "Kyo", "Yukata", "indigo", "M", "tops", "summer", 12000),
    ("TWIN-A", "rice cracker A", None, None, None, None, "snacks", None, 300),
    ("TWIN-B", "rice cracker B", None, None, None, None, "snacks", None, 300),
    ("SNK-C", "seaweed C", None, None, None, None, "snacks", None, 300),
    ("SNK-D", "seaweed D", None, None, None, None, "snacks", None, 300),
]
STORES = ("S1", "S2")


def items_frame() -> pd.DataFrame:
    cols = ["sku", "name", "brand", "model", "colour", "size", "category", "purpose", "price"]
    return pd.DataFrame(ITEMS, columns=cols)


def _sales() -> pd.DataFrame:
    rows: list[tuple[str, str, str, dt.date, float]] = []
    rng = np.random.default_rng(7)

    def buy(customer: str, skus: list[str], times: int) -> None:
        for t in range(times):
            day = AS_OF - dt.timedelta(days=int(rng.integers(1, 60)))
            store = STORES[t % 2]
            rows.extend((customer, sku, store, day, 1.0) for sku in skus)

    for c in range(30):
        buy(f"twin{c:02d}", ["TWIN-A", "TWIN-B"], 3)
        buy(f"sea{c:02d}", ["SNK-C", "SNK-D"], 3)
    for c in range(12):
        buy(f"teva{c:02d}", ["T-HUR-BLK-24", "T-HUR-RED-24"], 2)
        buy(f"out{c:02d}", ["C-Z1-BLK-24", "YUKATA-1"], 2)
        buy(f"keen{c:02d}", ["K-NEW-BLK-24"], 2)
        buy(f"slide{c:02d}", ["G-SLD-BLK-24", "SNK-C"], 1)
        buy(f"terra{c:02d}", ["T-TER-BLK-24", "T-HUR-BLK-25"], 1)
    buy("psych", ["T-HUR-BLK-24"], 3)
    buy("behav", ["YUKATA-1"], 2)
    buy("behav", ["C-Z1-BLK-24"], 1)
    frame = pd.DataFrame(rows, columns=["customer_id", "sku", "store_id", "business_date", "quantity"])
    frame["business_date"] = pd.to_datetime(frame["business_date"])
    frame["txn_id"] = [f"t{i}" for i in range(len(frame))]
    return frame


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        [
            ("psych", "regular", "shoe:24", "high"),
            ("behav", "regular", "shoe:24|kimono:M", "mid"),
            ("newbie", "new", "shoe:24", "mid"),
        ],
        columns=["customer_id", "segment", "sizes", "price_band"],
    )


def _reviews() -> pd.DataFrame:
    rows = [(f"r{i}", "T-HUR-BLK-24", None, "psychological") for i in range(20)]
    rows += [(f"q{i}", sku, None, "behavioral") for i, sku in enumerate(["C-Z1-BLK-24", "K-NEW-BLK-24"] * 10)]
    return pd.DataFrame(rows, columns=["review_id", "sku", "customer_id", "loyalty_label"])


def profiles() -> pd.DataFrame:
    return pd.DataFrame(
        [("psych", "sandals", "psychological", 0.9, 0.8), ("behav", "sandals", "behavioral", 0.85, 0.7)],
        columns=["customer_id", "category", "type", "strength", "confidence"],
    )


def inventory() -> pd.DataFrame:
    on_hand = {sku: 20.0 for sku, *_ in ITEMS}
    on_hand["T-HUR-BLK-24"] = 0.0
    rows = [(store, sku, AS_OF, qty) for store in STORES for sku, qty in on_hand.items()]
    return pd.DataFrame(rows, columns=["store_id", "sku", "business_date", "on_hand"])


def receipts() -> pd.DataFrame:
    return pd.DataFrame(
        [("S1", "T-HUR-BLK-24", "PO1", AS_OF + dt.timedelta(days=3), 12.0)],
        columns=["store_id", "sku", "po_id", "expected_date", "quantity"],
    )


def frames() -> RecommendFrames:
    return RecommendFrames(
        items=items_frame(), sales=_sales(), customers=_customers(), events=None, reviews=_reviews()
    )


def write_planted(engine: Engine) -> None:
    """Write the planted retailer into a migrated database."""
    f = frames()
    stores = pd.DataFrame(
        {
            "store_id": list(STORES),
            "name": list(STORES),
            "kind": "store",
            "timezone": "Asia/Tokyo",
            "active": True,
        }
    )
    sales = f.sales.copy()
    sales["line"] = 1
    sales["ts_utc"] = sales["business_date"] + pd.Timedelta(hours=3)
    with engine.begin() as conn:
        bulk_copy(conn, Store.__table__, stores)
        bulk_copy(conn, Item.__table__, f.items.assign(active=True))
        bulk_copy(conn, Customer.__table__, f.customers)
        bulk_copy(conn, SaleLine.__table__, sales)
        bulk_copy(conn, Review.__table__, _reviews().assign(text="planted"))
        bulk_copy(conn, InventorySnapshot.__table__, inventory())
        bulk_copy(conn, Receipt.__table__, receipts())
