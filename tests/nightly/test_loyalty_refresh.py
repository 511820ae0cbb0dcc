"""Stored loyalty profiles: planted customers come out as the type they were planted as."""

from __future__ import annotations

from sqlalchemy import select

from substitute.db.models import LoyaltyProfile, Substitutability
from substitute.ingest.pipeline import ingest_records
from substitute.nightly.loyalty import refresh_loyalty
from substitute.settings import IngestSettings
from tests.ingest.helpers import STORES

QUIET = IngestSettings(progress=False)
ITEMS = [
    {
        "sku": f"{brand}-{colour}",
        "name": f"{brand} sandal",
        "brand": brand,
        "model": f"{brand}-M1",
        "colour": colour,
        "category": "footwear>sandals",
        "price": "8000",
    }
    for brand in ("Teva", "Chaco", "KEEN", "Crocs")
    for colour in ("black", "red", "blue")
]


def _sales(customer: str, skus: list[str]) -> list[dict]:
    return [
        {
            "store_id": "ginza",
            "txn_id": f"{customer}-{i}",
            "line": "1",
            "sku": sku,
            "customer_id": customer,
            "timestamp": f"2026-0{1 + i // 28}-{1 + i % 28:02d}T12:00:00+09:00",
            "quantity": "1",
            "unit_price": "8000",
        }
        for i, sku in enumerate(skus)
    ]


def test_refresh_stores_profiles_with_their_evidence(engine):
    ingest_records(engine, "stores", STORES, source="test", settings=QUIET)
    ingest_records(engine, "items", ITEMS, source="test", settings=QUIET)
    loyal = [
        "Teva-black",
        "Teva-red",
        "Teva-blue",
        "Teva-black",
        "Teva-red",
        "Teva-blue",
        "Teva-black",
        "Teva-red",
    ]
    switcher = [
        "Teva-black",
        "Chaco-red",
        "KEEN-blue",
        "Crocs-black",
        "Chaco-blue",
        "KEEN-red",
        "Crocs-red",
        "Teva-blue",
    ] * 2  # sixteen purchases over four brands: enough evidence to call it
    ingest_records(
        engine,
        "sales",
        _sales("fan", loyal) + _sales("pragmatist", switcher) + _sales("newbie", ["KEEN-red"]),
        source="test",
        settings=QUIET,
    )
    reviews = [
        {
            "review_id": "r1",
            "sku": "Teva-red",
            "customer_id": "fan",
            "language": "ja",
            "text": "Tevaが大好きで色違いで3足目です",
        },
        {
            "review_id": "r2",
            "sku": "KEEN-blue",
            "customer_id": "pragmatist",
            "language": "en",
            "text": "I needed sandals for my commute and these were cheap and comfortable",
        },
    ]
    ingest_records(engine, "reviews", reviews, source="test", settings=QUIET)

    summary = refresh_loyalty(engine)

    with engine.connect() as conn:
        rows = {r.customer_id: r for r in conn.execute(select(LoyaltyProfile)).all()}
        shares = conn.execute(select(Substitutability.level, Substitutability.key)).all()
    assert summary.profiles == 3
    assert rows["fan"].type == "psychological" and rows["fan"].brand == "Teva"
    assert rows["fan"].n_purchases == 8 and rows["fan"].n_reviews_psychological == 1
    assert rows["pragmatist"].type == "behavioral"
    assert rows["newbie"].type == "unknown"  # one purchase is no evidence
    assert rows["newbie"].confidence < rows["fan"].confidence
    assert ("item", "Teva-red") in {(level, key) for level, key in shares}

    again = refresh_loyalty(engine)  # replaces, never appends
    assert again.profiles == 3


def test_items_without_a_brand_give_no_purchase_evidence_and_no_error(engine):
    ingest_records(engine, "stores", STORES, source="test", settings=QUIET)
    ingest_records(
        engine,
        "items",
        [{"sku": "P1", "name": "rice", "category": "grocery>rice"}],
        source="test",
        settings=QUIET,
    )
    ingest_records(engine, "sales", _sales("someone", ["P1", "P1", "P1"]), source="test", settings=QUIET)
    assert refresh_loyalty(engine).profiles == 0
