"""Why customers want an item, and why a customer buys.

``/v1/items/{sku}/loyalty`` and ``/v1/customers/{id}/profile`` both read what
the nightly loyalty refresh stored (``substitutability``, ``loyalty_profiles``)
and the real counts behind it (reviews by label).
"""

from __future__ import annotations

from typing import Any

from spectree import Response as Documented
from sqlalchemy import func, or_, select

from substitute.api.auth import allowed_stores
from substitute.api.state import state
from substitute.api.v1.routing import bp, endpoint
from substitute.api.v1.schemas import CustomerProfile, ItemLoyalty
from substitute.db.models import Customer, Item, LoyaltyProfile, Review, Substitutability
from substitute.errors import NotFound

TAG = "loyalty"
#: Above this share of brand-attached reviews an item's buyers want the brand, not a look-alike.
PSYCHOLOGICAL_SHARE = 0.5
#: Fewer motive-bearing reviews than this say too little to advise on.
MIN_REVIEWS = 5


def _advice(psychological: int, behavioral: int) -> str:
    told = psychological + behavioral
    if told < MIN_REVIEWS:
        return "too few reviews say why people buy it: offer similar items and watch what is accepted"
    if psychological / told > PSYCHOLOGICAL_SHARE:
        return (
            "buyers want this brand or model: offer another colour or size, the same brand, or a reservation"
        )
    return "buyers want what it does: a similar item of another brand is a good substitute"


@bp.get("/items/<string(maxlength=128):sku>/loyalty")
@endpoint(
    "buyer",
    resp=Documented(HTTP_200=ItemLoyalty),
    tags=[TAG],
    path_parameter_descriptions={"sku": "The item's SKU."},
)
def item_loyalty(sku: str):  # type: ignore[no-untyped-def]
    """How substitutable an item is, from its reviews: counts by loyalty label and the stored scores."""
    with state().engine.connect() as conn:
        item = conn.execute(
            select(Item.sku, Item.name, Item.brand, Item.model, Item.category).where(Item.sku == sku)
        ).first()
        if item is None:
            raise NotFound(f"SKU {sku!r} is not in the catalogue: check the SKU")
        label = func.lower(Review.loyalty_label)
        counts: dict[str, int] = {}
        for name, n in conn.execute(
            select(label, func.count()).where(Review.sku == sku).group_by(label)
        ).all():
            counts[name or "none"] = counts.get(name or "none", 0) + int(n)
        keys = [("item", sku)]
        if item.model:
            keys.append(("model", item.model))
        if item.brand:
            keys.append(("brand", item.brand))
        match = or_(*[(Substitutability.level == lvl) & (Substitutability.key == key) for lvl, key in keys])
        scores = (
            conn.execute(
                select(Substitutability.__table__)
                .where(match)
                .order_by(Substitutability.level, Substitutability.category)
            )
            .mappings()
            .all()
        )
    psych = int(counts.get("psychological", 0))
    behav = int(counts.get("behavioral", 0)) + int(counts.get("behavioural", 0))
    none = sum(int(v) for k, v in counts.items() if k not in ("psychological", "behavioral", "behavioural"))
    return {
        "sku": item.sku,
        "name": item.name,
        "brand": item.brand,
        "model": item.model,
        "category": item.category,
        "reviews": {"psychological": psych, "behavioral": behav, "none": none, "total": psych + behav + none},
        "substitutability": [_score(dict(r)) for r in scores],
        "advice": _advice(psych, behav),
    }


def _score(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("refreshed_at", None)
    return row


@bp.get("/customers/<string(maxlength=128):customer_id>/profile")
@endpoint(
    "buyer",
    resp=Documented(HTTP_200=CustomerProfile),
    tags=[TAG],
    path_parameter_descriptions={"customer_id": "The customer's id."},
)
def customer_profile(customer_id: str):  # type: ignore[no-untyped-def]
    """Why a customer buys in each category (psychological or behavioural), with the counts behind it.

    A key bound to stores sees only the customers whose home store is one of them.
    """
    stores = allowed_stores()
    with state().engine.connect() as conn:
        customer = conn.execute(
            select(
                Customer.customer_id,
                Customer.segment,
                Customer.sizes,
                Customer.price_band,
                Customer.home_store_id,
            ).where(Customer.customer_id == customer_id)
        ).first()
        # Outside the key's stores the customer is reported unknown: no hint that they exist.
        if customer is None or (stores is not None and customer.home_store_id not in stores):
            raise NotFound(f"customer {customer_id!r} is unknown: check the id")
        profiles = (
            conn.execute(
                select(LoyaltyProfile.__table__)
                .where(LoyaltyProfile.customer_id == customer_id)
                .order_by(LoyaltyProfile.category)
            )
            .mappings()
            .all()
        )
    return {
        "customer": customer.customer_id,
        "segment": customer.segment,
        "sizes": customer.sizes,
        "price_band": customer.price_band,
        "home_store": customer.home_store_id,
        "categories": [_profile(dict(p)) for p in profiles],
    }


def _profile(row: dict[str, Any]) -> dict[str, Any]:
    row.pop("customer_id", None)
    row["refreshed_at"] = row["refreshed_at"].isoformat() if row.get("refreshed_at") else None
    return row
