"""Read the recommender's inputs from the database into frames.

One query per table, never one per item: training and the serving snapshot
both read everything they need up front.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Engine, func, select

from substitute.db.frames import read_frame
from substitute.db.models import (
    Customer,
    ForecastRun,
    InventorySnapshot,
    Item,
    LoyaltyProfile,
    Receipt,
    Review,
    SaleLine,
    SelloutRisk,
    SubstitutionEvent,
)
from substitute.errors import DataError
from substitute.recommend.frames import Col, RecommendFrames

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy import Connection

__all__ = ["last_sale_date", "read_frames", "read_inventory", "read_receipts", "read_risks"]


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    import pandas as pd

    for col in columns:
        if col in frame.columns:
            frame[col] = pd.to_datetime(frame[col])
    return frame


def last_sale_date(conn: Connection) -> dt.date | None:
    value = conn.execute(select(func.max(SaleLine.business_date))).scalar()
    if isinstance(value, str):
        value = dt.date.fromisoformat(value[:10])
    return value


def read_frames(
    engine: Engine, history_days: int, as_of: dt.date | None = None
) -> tuple[RecommendFrames, dt.date]:
    """Catalogue, the last ``history_days`` of sales up to ``as_of``, customers, offers and reviews.

    Raises
    ------
    DataError
        When there are no sales to learn from.
    """
    with engine.connect() as conn:
        as_of = as_of or last_sale_date(conn)
        if as_of is None:
            raise DataError("no sales in the database: ingest sales before training the recommender")
        start = as_of - dt.timedelta(days=history_days - 1)
        items = read_frame(
            conn,
            select(
                Item.sku,
                Item.name,
                Item.brand,
                Item.model,
                Item.colour,
                Item.size,
                Item.category,
                Item.purpose,
                Item.price,
            ).order_by(Item.sku),
        )
        sales = read_frame(
            conn,
            select(
                SaleLine.customer_id,
                SaleLine.sku,
                SaleLine.store_id,
                SaleLine.business_date,
                SaleLine.quantity,
                SaleLine.txn_id,
            )
            .where(SaleLine.business_date >= start, SaleLine.business_date <= as_of)
            .order_by(SaleLine.id),
        )
        customers = read_frame(
            conn,
            select(Customer.customer_id, Customer.segment, Customer.sizes, Customer.price_band).order_by(
                Customer.customer_id
            ),
        )
        events = read_frame(
            conn,
            select(
                SubstitutionEvent.customer_id,
                SubstitutionEvent.sku,
                SubstitutionEvent.offered_sku,
                SubstitutionEvent.event_type,
                SubstitutionEvent.ts_utc,
            ).order_by(SubstitutionEvent.event_id),
        )
        reviews = read_frame(
            conn,
            select(Review.sku, Review.customer_id, Review.loyalty_label).order_by(Review.review_id),
        )
        # The stored profiles of the nightly loyalty refresh (substitute.nightly.loyalty).
        profiles = read_frame(
            conn,
            select(
                LoyaltyProfile.customer_id,
                LoyaltyProfile.category,
                LoyaltyProfile.type,
                LoyaltyProfile.strength,
                LoyaltyProfile.confidence,
            ).order_by(LoyaltyProfile.customer_id, LoyaltyProfile.category),
        )
    _dates(sales, Col.DATE)
    _dates(events, Col.TS)
    frames = RecommendFrames(
        items=items,
        sales=sales,
        customers=customers,
        events=events,
        reviews=reviews,
        profiles=profiles if len(profiles) else None,
    )
    frames.check()
    return frames, as_of


def read_inventory(engine: Engine) -> pd.DataFrame:
    """The latest stock position of every store × SKU: ``store_id, sku, on_hand, business_date``."""
    latest = (
        select(
            InventorySnapshot.store_id,
            InventorySnapshot.sku,
            func.max(InventorySnapshot.business_date).label("d"),
        )
        .group_by(InventorySnapshot.store_id, InventorySnapshot.sku)
        .subquery()
    )
    query = select(
        InventorySnapshot.store_id,
        InventorySnapshot.sku,
        InventorySnapshot.on_hand,
        InventorySnapshot.business_date,
    ).join(
        latest,
        (latest.c.store_id == InventorySnapshot.store_id)
        & (latest.c.sku == InventorySnapshot.sku)
        & (latest.c.d == InventorySnapshot.business_date),
    )
    with engine.connect() as conn:
        return _dates(read_frame(conn, query), Col.DATE)


def read_receipts(engine: Engine, from_date: dt.date) -> pd.DataFrame:
    """Open receipts due on or after ``from_date``: ``store_id, sku, expected_date, quantity``."""
    query = select(Receipt.store_id, Receipt.sku, Receipt.expected_date, Receipt.quantity).where(
        Receipt.expected_date >= from_date
    )
    with engine.connect() as conn:
        return _dates(read_frame(conn, query), Col.EXPECTED)


def read_risks(engine: Engine) -> pd.DataFrame:
    """Sellout risks of the current forecast run.

    Columns ``store_id, sku, p_stockout_window, expected_sellout_date``.
    """
    query = (
        select(
            SelloutRisk.store_id,
            SelloutRisk.sku,
            SelloutRisk.p_stockout_window,
            SelloutRisk.expected_sellout_date,
        )
        .join(ForecastRun, ForecastRun.id == SelloutRisk.run_id)
        .where(ForecastRun.is_current.is_(True))
    )
    with engine.connect() as conn:
        return _dates(read_frame(conn, query), "expected_sellout_date")
