"""The recommender's input tables, as plain pandas frames.

Training and the serving snapshot both start from :class:`RecommendFrames`,
so a benchmark can read files straight into frames and go through the very
functions that :func:`substitute.recommend.train.train` uses on the database.
External ids stay strings; only :mod:`substitute.recommend.ids` turns them
into internal indices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from substitute.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Col", "RecommendFrames"]


class Col:
    """Column names, spelt once."""

    SKU = "sku"
    NAME = "name"
    BRAND = "brand"
    MODEL = "model"
    COLOUR = "colour"
    SIZE = "size"
    CATEGORY = "category"
    PURPOSE = "purpose"
    PRICE = "price"
    STORE = "store_id"
    CUSTOMER = "customer_id"
    DATE = "business_date"
    QUANTITY = "quantity"
    TXN = "txn_id"
    SEGMENT = "segment"
    SIZES = "sizes"
    PRICE_BAND = "price_band"
    EVENT = "event_type"
    OFFERED = "offered_sku"
    TS = "ts_utc"
    LABEL = "loyalty_label"
    TYPE = "type"
    STRENGTH = "strength"
    CONFIDENCE = "confidence"
    ON_HAND = "on_hand"
    EXPECTED = "expected_date"
    P_STOCKOUT = "p_stockout_window"


_REQUIRED = {
    "items": (Col.SKU, Col.CATEGORY),
    "sales": (Col.CUSTOMER, Col.SKU, Col.STORE, Col.DATE, Col.QUANTITY),
    "customers": (Col.CUSTOMER,),
    "events": (Col.CUSTOMER, Col.SKU, Col.OFFERED, Col.EVENT),
    "reviews": (Col.SKU, Col.LABEL),
    "profiles": (Col.CUSTOMER, Col.CATEGORY, Col.TYPE, Col.STRENGTH, Col.CONFIDENCE),
}


@dataclass
class RecommendFrames:
    """Everything training reads.

    Attributes
    ----------
    items
        ``sku, category`` and optionally ``name, brand, model, colour, size,
        purpose`` (tags joined by ``|``, ``,`` or ``;``) and ``price``.
    sales
        ``customer_id, sku, store_id, business_date, quantity`` (returns
        negative), optionally ``txn_id``. Lines without a customer are kept
        for popularity.
    customers
        Optional ``customer_id`` with ``segment, sizes`` (``shoe:24.5|kimono:M``)
        and ``price_band`` (``low|mid|high``).
    events
        Optional substitute offers: ``customer_id, sku, offered_sku,
        event_type`` (``accepted``/``declined``; others are ignored).
    reviews
        Optional ``sku, loyalty_label`` (``psychological``/``behavioral``/``none``).
    profiles
        Optional loyalty profiles ``customer_id, category, type, strength,
        confidence`` with ``type`` in ``psychological``, ``behavioral``
        (or ``behavioural``), ``unknown``.
    """

    items: pd.DataFrame
    sales: pd.DataFrame
    customers: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    reviews: pd.DataFrame | None = None
    profiles: pd.DataFrame | None = None

    def check(self) -> None:
        """Raise :class:`DataError` naming the first table that lacks a required column."""
        for name, required in _REQUIRED.items():
            frame = getattr(self, name)
            if frame is None:
                continue
            missing = [c for c in required if c not in frame.columns]
            if missing:
                raise DataError(f"{name} lacks column(s) {', '.join(missing)}: add them to the {name} table")
        if len(self.items) == 0:
            raise DataError("no items: load the catalogue (substitute ingest items ...) before training")
