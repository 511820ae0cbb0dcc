"""Refreshing the stored loyalty profiles and item substitutability.

Reads purchases (identified customers' sales lines with the item's brand,
model, colour and category), the customers' own review labels (read at
ingest), and accepted or declined substitute offers, then replaces both
tables in one transaction: readers see yesterday's profiles or today's.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import aliased

from substitute.db.bulk import bulk_copy
from substitute.db.frames import read_frame
from substitute.db.models import (
    Item,
    LoyaltyProfile,
    Review,
    SaleLine,
    Substitutability,
    SubstitutionEvent,
    table_of,
)


@dataclass
class LoyaltyRefreshSummary:
    profiles: int
    by_type: dict[str, int]
    substitutability_rows: int

    def render(self) -> str:
        types = ", ".join(f"{t} {n:,}" for t, n in sorted(self.by_type.items()))
        return (
            f"loyalty profiles refreshed: {self.profiles:,} customer × category ({types}); "
            f"substitutability of {self.substitutability_rows:,} items, models and brands"
        )


def read_loyalty_inputs(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Purchases, review labels and offer outcomes, in the shapes ``substitute.loyalty`` takes."""
    offered = aliased(Item)
    with engine.connect() as conn:
        purchases = read_frame(
            conn,
            select(
                SaleLine.customer_id,
                SaleLine.ts_utc.label("timestamp"),
                SaleLine.sku,
                Item.brand,
                Item.category,
                Item.model,
                Item.colour,
                SaleLine.unit_price.label("price"),
            )
            .join(Item, Item.sku == SaleLine.sku)
            # Brand loyalty needs a brand: catalogues without one (Ta Feng) give no purchase evidence.
            .where(
                SaleLine.customer_id.is_not(None),
                SaleLine.quantity > 0,
                Item.category.is_not(None),
                Item.brand.is_not(None),
            ),
        )
        reviews = read_frame(
            conn,
            select(
                Review.customer_id,
                Review.sku,
                Item.category,
                Review.loyalty_label.label("label"),
                Item.brand,
                Item.model,
            )
            .join(Item, Item.sku == Review.sku)
            .where(Review.loyalty_label.is_not(None), Item.category.is_not(None)),
        )
        events = read_frame(
            conn,
            select(
                SubstitutionEvent.customer_id,
                SubstitutionEvent.sku,
                SubstitutionEvent.offered_sku,
                SubstitutionEvent.event_type,
                Item.brand,
                offered.brand.label("offered_brand"),
                Item.category,
            )
            .join(Item, Item.sku == SubstitutionEvent.sku)
            .join(offered, offered.sku == SubstitutionEvent.offered_sku)
            .where(
                SubstitutionEvent.customer_id.is_not(None),
                SubstitutionEvent.event_type.in_(["accepted", "declined"]),
                Item.category.is_not(None),
                Item.brand.is_not(None),
                offered.brand.is_not(None),
            ),
        )
    purchases["timestamp"] = pd.to_datetime(purchases["timestamp"])
    return purchases, reviews, events


def refresh_loyalty(engine: Engine) -> LoyaltyRefreshSummary:
    """Recompute profiles and substitutability and swap them in atomically."""
    from substitute.loyalty.profile import loyalty_profiles
    from substitute.loyalty.profile_config import load_profile_config
    from substitute.loyalty.substitutability import substitutability

    config = load_profile_config()
    purchases, reviews, events = read_loyalty_inputs(engine)
    profiles = loyalty_profiles(
        purchases if len(purchases) else None,
        reviews[["customer_id", "sku", "category", "label"]].dropna(subset=["customer_id"])
        if len(reviews)
        else None,
        events if len(events) else None,
        config,
    ).reset_index()
    shares = substitutability(reviews, config=config.substitutability) if len(reviews) else pd.DataFrame()

    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    profiles["refreshed_at"] = now
    if len(shares):
        shares["refreshed_at"] = now
        shares["key"] = shares["key"].astype(str)
    with engine.begin() as conn:
        conn.execute(delete(LoyaltyProfile))
        conn.execute(delete(Substitutability))
        bulk_copy(conn, table_of(LoyaltyProfile), profiles)
        if len(shares):
            bulk_copy(conn, table_of(Substitutability), shares)
    return LoyaltyRefreshSummary(
        profiles=len(profiles),
        by_type={str(k): int(v) for k, v in profiles["type"].value_counts().items()} if len(profiles) else {},
        substitutability_rows=len(shares),
    )
