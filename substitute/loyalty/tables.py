"""The input tables of loyalty profiles: column names and their checks.

Three long tables, external ids kept as strings:

``purchases``
    ``customer_id, timestamp, sku, brand, category`` and optionally ``model``,
    ``colour``, ``price`` (what was paid) and ``min_price`` (the lowest price
    of any item of the category on offer at that moment, when known; it is
    what lets a purchase at a premium be told from one on a deal).
``reviews``
    ``customer_id, sku, category, label`` with ``label`` one of
    :data:`REVIEW_LABELS` (the review classifier's output); ``brand`` and
    ``model`` optional (needed for substitutability by model and brand).
``events``
    substitute offers: ``customer_id, sku, offered_sku, event_type, brand,
    offered_brand, category`` with ``event_type`` one of :data:`EVENT_TYPES`.

The checks here are for data frames handed to the API; reading files with
line-numbered problems is :mod:`substitute.loyalty.profile_io`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from substitute.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "EVENT_OPTIONAL",
    "EVENT_REQUIRED",
    "EVENT_TYPES",
    "PURCHASE_OPTIONAL",
    "PURCHASE_REQUIRED",
    "REVIEW_LABELS",
    "REVIEW_OPTIONAL",
    "REVIEW_REQUIRED",
    "Col",
    "check_events",
    "check_purchases",
    "check_reviews",
]


class Col:
    """Column names, so that no module spells them twice."""

    CUSTOMER = "customer_id"
    TIMESTAMP = "timestamp"
    SKU = "sku"
    BRAND = "brand"
    CATEGORY = "category"
    MODEL = "model"
    COLOUR = "colour"
    PRICE = "price"
    MIN_PRICE = "min_price"
    LABEL = "label"
    TEXT = "text"
    OFFERED_SKU = "offered_sku"
    OFFERED_BRAND = "offered_brand"
    EVENT = "event_type"


PURCHASE_REQUIRED = (Col.CUSTOMER, Col.TIMESTAMP, Col.SKU, Col.BRAND, Col.CATEGORY)
PURCHASE_OPTIONAL = (Col.MODEL, Col.COLOUR, Col.PRICE, Col.MIN_PRICE)
REVIEW_REQUIRED = (Col.CUSTOMER, Col.SKU, Col.CATEGORY, Col.LABEL)
REVIEW_OPTIONAL = (Col.BRAND, Col.MODEL)
EVENT_REQUIRED = (
    Col.CUSTOMER,
    Col.SKU,
    Col.OFFERED_SKU,
    Col.EVENT,
    Col.BRAND,
    Col.OFFERED_BRAND,
    Col.CATEGORY,
)
EVENT_OPTIONAL = ()

#: Labels of :mod:`substitute.loyalty.reviews`, in report order.
REVIEW_LABELS = ("psychological", "behavioral", "none")
#: What a customer did with a substitute offer.
EVENT_TYPES = ("accepted", "declined")


def _require(frame: pd.DataFrame, name: str, required: Iterable[str]) -> None:
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise DataError(
            f"{name} lacks column(s) {', '.join(missing)}; expected {', '.join(required)} "
            f"(found {', '.join(map(str, frame.columns)) or 'none'})"
        )


def _no_nulls(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    for col in columns:
        bad = frame[col].isna()
        if bad.any():
            first = frame.index[bad.to_numpy()][0]
            raise DataError(
                f"{name}: {int(bad.sum())} row(s) with no {col} (first at index {first}); fill or drop them"
            )


def _in(frame: pd.DataFrame, name: str, col: str, allowed: tuple[str, ...]) -> None:
    bad = ~frame[col].isin(allowed)
    if bad.any():
        value = frame.loc[bad, col].iloc[0]
        raise DataError(f"{name}: {col} {value!r} is not one of {', '.join(allowed)}")


def check_purchases(purchases: pd.DataFrame) -> None:
    """Raise :class:`DataError` naming the problem if ``purchases`` cannot be used."""
    _require(purchases, "purchases", PURCHASE_REQUIRED)
    _no_nulls(purchases, "purchases", PURCHASE_REQUIRED)


def check_reviews(reviews: pd.DataFrame) -> None:
    """Raise :class:`DataError` naming the problem if ``reviews`` cannot be used."""
    _require(reviews, "reviews", REVIEW_REQUIRED)
    _no_nulls(reviews, "reviews", REVIEW_REQUIRED)
    _in(reviews, "reviews", Col.LABEL, REVIEW_LABELS)


def check_events(events: pd.DataFrame) -> None:
    """Raise :class:`DataError` naming the problem if ``events`` cannot be used."""
    _require(events, "events", EVENT_REQUIRED)
    _no_nulls(events, "events", EVENT_REQUIRED)
    _in(events, "events", Col.EVENT, EVENT_TYPES)
