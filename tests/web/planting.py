"""A small retailer planted for the buyers' pages, with answers known in advance.

Forecast date 2026-07-20, run 2 current (run 3, started later, failed).
``TEV-HUR-BLK-260`` at ``S1`` is the most urgent row: on hand 4, selling 2 a
day, out on 2026-07-22, a receipt of 12 on 2026-07-27. A review and a note
carry ``<script>``; an item name starts with ``=`` (formula injection).
"""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import Engine, insert

from substitute.db.models import (
    ForecastDay,
    ForecastRun,
    Item,
    Receipt,
    Review,
    RiskAction,
    SaleLine,
    SelloutRisk,
    Store,
    Substitutability,
    SubstitutionEvent,
)

AS_OF = dt.date(2026, 7, 20)
URGENT = ("S1", "TEV-HUR-BLK-260")
EVIL = "<script>alert('x')</script>"
FORMULA_NAME = '=HYPERLINK("http://evil","x")'
T0 = dt.datetime(2026, 7, 21, 6, 0)


def plant(engine: Engine, n_filler: int = 40, *, failed_run: bool = True) -> None:
    """Write the planted retailer; ``n_filler`` extra low-risk items per store fill the list."""
    stores = [
        {"store_id": "S1", "name": "Ginza", "kind": "store", "timezone": "Asia/Tokyo"},
        {"store_id": "S2", "name": "Umeda", "kind": "store", "timezone": "Asia/Tokyo"},
    ]
    items = [
        {
            "sku": "TEV-HUR-BLK-260",
            "name": "Teva Hurricane black 26",
            "brand": "Teva",
            "model": "TEV-HUR",
            "category": "footwear>sandals",
        },
        {
            "sku": "CHA-Z1-BLK-260",
            "name": "Chaco Z1 black 26",
            "brand": "Chaco",
            "model": "CHA-Z1",
            "category": "footwear>sandals",
        },
        {
            "sku": "KEEN-NEW-260",
            "name": "KEEN Newport 26",
            "brand": "KEEN",
            "model": "KEEN-NEW",
            "category": "footwear>sandals",
        },
        {
            "sku": "EVIL-1",
            "name": FORMULA_NAME,
            "brand": "@brand",
            "model": "EVIL",
            "category": "footwear>clogs",
        },
        {
            "sku": "GETA-1",
            "name": "Yukata geta",
            "brand": "Ashiato",
            "model": "GETA",
            "category": "kimono>geta",
        },
    ]
    items += [
        {
            "sku": f"FILL-{i:05d}",
            "name": f"Filler slide {i}",
            "brand": "Filler",
            "model": f"FILL-{i // 10}",
            "category": "footwear>slides",
        }
        for i in range(n_filler)
    ]
    config = json.dumps({"stockout_window_days": 7, "horizon": 28})
    runs = [
        {
            "id": 1,
            "as_of": AS_OF - dt.timedelta(days=1),
            "status": "superseded",
            "is_current": False,
            "started_at": T0 - dt.timedelta(days=1),
            "finished_at": T0 - dt.timedelta(days=1),
            "config": config,
        },
        {
            "id": 2,
            "as_of": AS_OF,
            "status": "active",
            "is_current": True,
            "started_at": T0,
            "finished_at": T0 + dt.timedelta(minutes=5),
            "config": config,
        },
    ]
    if failed_run:
        runs.append(
            {
                "id": 3,
                "as_of": AS_OF + dt.timedelta(days=1),
                "status": "failed",
                "is_current": False,
                "started_at": T0 + dt.timedelta(days=1),
                "finished_at": T0 + dt.timedelta(days=1, minutes=2),
                "config": config,
                "message": "IncompleteRun: 3 of 5 series",
            }
        )
    risks, forecasts = [], []

    def risk(
        store: str,
        sku: str,
        p: float,
        sellout: dt.date | None,
        cover: float,
        on_hand: float,
        receipt: dt.date | None,
        daily: float,
    ) -> None:
        risks.append(
            {
                "run_id": 2,
                "store_id": store,
                "sku": sku,
                "model": "tsb",
                "on_hand": on_hand,
                "next_receipt_date": receipt,
                "p_stockout_before_receipt": p,
                "p_stockout_window": p,
                "expected_sellout_date": sellout,
                "median_sellout_date": sellout,
                "days_of_cover": cover,
                "reorder_qty": 10.0,
            }
        )
        for d in range(1, 29):
            forecasts.append(
                {
                    "run_id": 2,
                    "store_id": store,
                    "sku": sku,
                    "target_date": AS_OF + dt.timedelta(days=d),
                    "mean": daily,
                    "q50": daily,
                    "q90": daily * 1.8,
                    "q95": daily * 2.2,
                    "q975": daily * 2.6,
                }
            )

    risk(
        "S1",
        "TEV-HUR-BLK-260",
        0.97,
        AS_OF + dt.timedelta(days=2),
        2.0,
        4.0,
        AS_OF + dt.timedelta(days=7),
        2.0,
    )
    risk("S1", "CHA-Z1-BLK-260", 0.05, AS_OF + dt.timedelta(days=20), 20.0, 20.0, None, 1.0)
    risk("S1", "KEEN-NEW-260", 0.30, AS_OF + dt.timedelta(days=6), 6.0, 6.0, None, 1.0)
    risk(
        "S2",
        "TEV-HUR-BLK-260",
        0.60,
        AS_OF + dt.timedelta(days=5),
        5.0,
        10.0,
        AS_OF + dt.timedelta(days=9),
        2.0,
    )
    risk("S2", "EVIL-1", 0.55, AS_OF + dt.timedelta(days=4), 4.0, 4.0, None, 1.0)
    risk("S1", "GETA-1", 0.85, AS_OF + dt.timedelta(days=3), 3.0, 3.0, None, 1.0)
    for store in ("S1", "S2"):
        for i in range(n_filler):
            p = round(0.01 + (i % 17) / 100, 3)
            risk(
                store,
                f"FILL-{i:05d}",
                p,
                AS_OF + dt.timedelta(days=10 + i % 15),
                10.0 + i % 15,
                30.0,
                None,
                0.5,
            )
    sales = []
    for d in range(56):
        day = AS_OF - dt.timedelta(days=d)
        sales.append(
            {
                "store_id": "S1",
                "txn_id": f"T{d}",
                "line": 1,
                "ts_utc": dt.datetime.combine(day, dt.time(3)),
                "business_date": day,
                "sku": "TEV-HUR-BLK-260",
                "customer_id": None,
                "quantity": 1.0 + d % 3,
                "unit_price": 9900.0,
            }
        )
    receipts = [
        {
            "store_id": "S1",
            "sku": "TEV-HUR-BLK-260",
            "po_id": "PO1",
            "expected_date": AS_OF + dt.timedelta(days=7),
            "quantity": 12.0,
        }
    ]
    reviews = [
        {
            "review_id": "R1",
            "sku": "TEV-HUR-BLK-260",
            "text": f"I wanted the Teva Hurricane {EVIL}",
            "loyalty_label": "psychological",
            "review_date": AS_OF - dt.timedelta(days=3),
        },
        {
            "review_id": "R2",
            "sku": "TEV-HUR-BLK-260",
            "text": "Any sandal for the heat; these were cute",
            "loyalty_label": "behavioral",
            "review_date": AS_OF - dt.timedelta(days=4),
        },
        {
            "review_id": "R3",
            "sku": "TEV-HUR-BLK-260",
            "text": '<a href="javascript:alert(1)">click</a>',
            "loyalty_label": "behavioral",
            "review_date": AS_OF - dt.timedelta(days=5),
        },
    ]
    subst = [
        {
            "level": "item",
            "key": "TEV-HUR-BLK-260",
            "category": "footwear>sandals",
            "n_reviews": 10,
            "n_psychological": 7,
            "n_behavioral": 3,
            "n_none": 0,
            "share_psychological": 0.7,
            "share_behavioral": 0.3,
            "substitutability": 0.3,
            "refreshed_at": T0,
        }
    ]
    actions = [
        {
            "store_id": "S1",
            "sku": "TEV-HUR-BLK-260",
            "action": "note",
            "text": f"call supplier {EVIL}",
            "created_by": "Hanako (buyer)",
            "created_at": T0 - dt.timedelta(hours=20),
            "run_id": 1,
        }
    ]
    with engine.begin() as conn:
        conn.execute(insert(Store), stores)
        conn.execute(insert(Item), items)
        conn.execute(insert(ForecastRun), runs)
        for i in range(0, len(risks), 2000):
            conn.execute(insert(SelloutRisk), risks[i : i + 2000])
        for i in range(0, len(forecasts), 5000):
            conn.execute(insert(ForecastDay), forecasts[i : i + 5000])
        conn.execute(insert(SaleLine), sales)
        conn.execute(insert(Receipt), receipts)
        conn.execute(insert(Review), reviews)
        conn.execute(insert(Substitutability), subst)
        conn.execute(insert(RiskAction), actions)


def plant_events(engine: Engine) -> None:
    """Offers with known outcomes in the week of Monday 2026-03-02 (closed) and 2026-07-13 (open).

    Week of 2026-03-02: c1 accepts and buys and keeps it, then buys again a
    week later (returning); c2 declines and never buys again (lost); c3
    accepts, buys, and returns the item two days later (not kept); an
    anonymous shopper is offered one item and declines.
    """
    d = dt.datetime(2026, 3, 3, 10)
    ev = []

    def add(i: str, kind: str, cust: str | None, when: dt.datetime, offered: str = "CHA-Z1-BLK-260") -> None:
        ev.append(
            {
                "event_id": i,
                "ts_utc": when,
                "event_type": kind,
                "store_id": "S1",
                "customer_id": cust,
                "sku": "TEV-HUR-BLK-260",
                "offered_sku": offered,
                "rank": 1,
            }
        )

    add("e1", "offered", "c1", d)
    add("e2", "accepted", "c1", d)
    add("e3", "purchased", "c1", d)
    add("e4", "offered", "c2", d)
    add("e5", "declined", "c2", d)
    add("e6", "offered", "c3", d)
    add("e7", "accepted", "c3", d)
    add("e8", "purchased", "c3", d)
    add("e9", "offered", None, d)
    add("e10", "declined", None, d)
    recent = dt.datetime(2026, 7, 14, 10)
    add("e11", "offered", "c4", recent)
    add("e12", "declined", "c4", recent)
    sales = [
        {
            "store_id": "S1",
            "txn_id": "C1-A",
            "line": 1,
            "ts_utc": d,
            "business_date": d.date(),
            "sku": "CHA-Z1-BLK-260",
            "customer_id": "c1",
            "quantity": 1.0,
        },
        {
            "store_id": "S1",
            "txn_id": "C1-B",
            "line": 1,
            "ts_utc": d + dt.timedelta(days=7),
            "business_date": d.date() + dt.timedelta(days=7),
            "sku": "GETA-1",
            "customer_id": "c1",
            "quantity": 1.0,
        },
        {
            "store_id": "S1",
            "txn_id": "C3-A",
            "line": 1,
            "ts_utc": d,
            "business_date": d.date(),
            "sku": "CHA-Z1-BLK-260",
            "customer_id": "c3",
            "quantity": 1.0,
        },
        {
            "store_id": "S1",
            "txn_id": "C3-R",
            "line": 1,
            "ts_utc": d + dt.timedelta(days=2),
            "business_date": d.date() + dt.timedelta(days=2),
            "sku": "CHA-Z1-BLK-260",
            "customer_id": "c3",
            "quantity": -1.0,
        },
    ]
    with engine.begin() as conn:
        conn.execute(insert(SubstitutionEvent), ev)
        conn.execute(insert(SaleLine), sales)
