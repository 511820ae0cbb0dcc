"""The request and response models of ``/v1``: validation and the OpenAPI document both read these.

Request models forbid unknown fields (a misspelt or smuggled field is a 400,
never silently stored) and bound every list, string and number a client
controls.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

#: The most substitutes one line may ask for.
MAX_K = 50
#: The most rows one page of a list returns.
MAX_PAGE = 500


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    pass


# --- substitutes ---------------------------------------------------------------------


class SubstitutesQuery(_In):
    sku: str = Field(min_length=1, max_length=128, description="The item the customer wants.")
    store: str = Field(min_length=1, max_length=128, description="The store or channel asking.")
    customer: str | None = Field(
        None, min_length=1, max_length=128, description="Known customer; omit if anonymous."
    )
    size: str | None = Field(
        None, min_length=1, max_length=32, description="Size wanted; default: the customer's."
    )
    k: int = Field(10, ge=1, le=MAX_K, description=f"How many offers, 1 to {MAX_K}.")


class Reservation(_Out):
    expected_date: dt.date
    quantity: float


class Offer(_Out):
    sku: str
    score: float
    strategy: str = Field(description="behavioural, psychological, reservation or popular_fallback")
    reasons: list[str]
    available_qty: float
    reservation: Reservation | None = None
    flags: list[str] = Field(description="e.g. other_brand, may_sell_out, fallback")


class Substitutes(_Out):
    sku: str
    store: str
    customer: str | None
    available_qty: float | None = Field(
        description="Units of the wanted item the store has (None if unknown)."
    )
    substitutes: list[Offer]
    degraded: bool = Field(description="True when the answer is not from a current model and stock.")
    source: Literal["model", "fallback", "none"]
    reason: str | None = Field(description="Why the answer is degraded.")
    model_version: str | None
    as_of: dt.date | None


class BasketLine(_In):
    sku: str = Field(min_length=1, max_length=128)
    quantity: float = Field(1.0, gt=0, le=10_000, description="Units wanted; offers need at least this many.")
    size: str | None = Field(None, min_length=1, max_length=32)


class BasketIn(_In):
    store: str = Field(min_length=1, max_length=128)
    customer: str | None = Field(None, min_length=1, max_length=128)
    k: int = Field(5, ge=1, le=20, description="Offers per line, 1 to 20.")
    lines: list[BasketLine] = Field(min_length=1, max_length=50, description="1 to 50 lines.")


class BasketLineOut(_Out):
    sku: str
    quantity: float
    available_qty: float | None
    substitutes: list[Offer]
    degraded: bool
    source: Literal["model", "fallback", "none", "error"]
    reason: str | None
    error: str | None = Field(description="Set when this line could not be answered (e.g. unknown SKU).")


class BasketOut(_Out):
    store: str
    customer: str | None
    degraded: bool
    lines: list[BasketLineOut]
    model_version: str | None


# --- events --------------------------------------------------------------------------


class EventIn(_In):
    event_id: str = Field(
        min_length=1,
        max_length=128,
        description="Your unique id: a repeat is acknowledged, not stored twice.",
    )
    timestamp: AwareDatetime = Field(description="When it happened, with its UTC offset.")
    event_type: Literal["offered", "accepted", "declined", "purchased"]
    store: str = Field(min_length=1, max_length=128)
    customer: str | None = Field(None, min_length=1, max_length=128)
    sku: str = Field(min_length=1, max_length=128, description="The item the customer wanted.")
    offered_sku: str | None = Field(None, min_length=1, max_length=128)
    rank: int | None = Field(None, ge=1, le=1000)
    reason: str | None = Field(None, max_length=200)


class EventsIn(_In):
    events: list[EventIn] = Field(min_length=1, max_length=500, description="1 to 500 events.")


class EventsOut(_Out):
    received: int
    stored: int
    duplicate: int
    parked: int = Field(description="Waiting for their SKU or store to be known.")
    rejected: int
    batch_id: int | None
    status: str


# --- stockouts -----------------------------------------------------------------------


class StockoutsQuery(_In):
    store: str | None = Field(None, min_length=1, max_length=128)
    category: str | None = Field(None, min_length=1, max_length=300)
    within_days: int = Field(14, ge=1, le=365, description="Expected to sell out within this many days.")
    min_probability: float = Field(
        0.5, ge=0, le=1, description="Least probability of running out before the next delivery."
    )
    format: Literal["json", "csv"] = Field(
        "json", description="csv for a spreadsheet (also: Accept: text/csv)."
    )
    limit: int = Field(100, ge=1, le=MAX_PAGE, description=f"Rows per page, 1 to {MAX_PAGE}.")
    offset: int = Field(0, ge=0, le=10_000_000)
    substitutes: int = Field(3, ge=0, le=10, description="Prepared substitutes per row, 0 to 10.")


class PreparedSubstitute(_Out):
    sku: str
    strategy: str
    available_qty: float


class Stockout(_Out):
    store: str
    sku: str
    name: str | None
    category: str | None
    brand: str | None
    on_hand: float | None
    p_stockout_before_receipt: float | None
    p_stockout_window: float | None
    expected_sellout_date: dt.date | None
    days_of_cover: float | None
    next_receipt_date: dt.date | None
    reorder_qty: float | None
    model: str
    fallback_reason: str | None
    substitutes: list[PreparedSubstitute]


class Stockouts(_Out):
    run_id: int | None
    as_of: dt.date | None
    total: int
    limit: int
    offset: int
    items: list[Stockout]
    degraded: bool


# --- loyalty -------------------------------------------------------------------------


class Substitutability(_Out):
    level: str
    key: str
    category: str
    n_reviews: int
    n_psychological: int
    n_behavioral: int
    n_none: int
    share_psychological: float
    share_behavioral: float
    substitutability: float


class ReviewCounts(_Out):
    psychological: int
    behavioral: int
    none: int
    total: int


class ItemLoyalty(_Out):
    sku: str
    name: str
    brand: str | None
    model: str | None
    category: str | None
    reviews: ReviewCounts
    substitutability: list[Substitutability]
    advice: str = Field(description="What kind of substitute fits this item's buyers.")


class CategoryProfile(_Out):
    category: str
    type: str
    leaning: str | None
    strength: float
    confidence: float
    brand: str | None
    n_purchases: int
    n_reviews_psychological: int
    n_reviews_behavioral: int
    n_reviews_none: int
    n_offers_accepted: int
    n_offers_declined: int
    refreshed_at: dt.datetime


class CustomerProfile(_Out):
    customer: str
    segment: str | None
    sizes: str | None
    price_band: str | None
    home_store: str | None
    categories: list[CategoryProfile]


# --- runs ----------------------------------------------------------------------------


class RunIn(_In):
    job: str = Field(
        min_length=1,
        max_length=64,
        description=(
            "A job of the schedule (configs/schedule.toml: forecast, nightly, retrain as shipped);"
            " another name is a 400 that lists them."
        ),
    )


class RunsQuery(_In):
    job: str | None = Field(None, min_length=1, max_length=64)
    limit: int = Field(50, ge=1, le=MAX_PAGE)


class Run(_Out):
    model_config = ConfigDict(extra="allow")
    id: int
    job: str
    status: str


class Runs(_Out):
    runs: list[Run]


class RunPath(_In):
    run_id: int = Field(ge=1, le=2**62)
