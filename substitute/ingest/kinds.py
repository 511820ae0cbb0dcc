"""What each kind of input file holds: the canonical columns and their rules.

A file in canonical form loads with no mapping; any other export is mapped
onto these columns (``configs/mappings``). Canonical names are the database
column names, except ``timestamp`` (sales, events), which ingestion turns into
``ts_utc`` and, for sales, the store-local ``business_date``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from substitute.db import models

# Field types understood by the validator.
STR, INT, FLOAT, DATE, TIMESTAMP, BOOL = "str", "int", "float", "date", "timestamp", "bool"
TIMEZONE = "timezone"  # an IANA zone name such as Asia/Tokyo


@dataclass(frozen=True)
class Field:
    name: str
    type: str = STR
    required: bool = False
    #: allowed values (after lower-casing) for small enumerations
    choices: frozenset[str] | None = None
    #: inclusive numeric bounds
    min: float | None = None
    max: float | None = None
    #: the value of an empty or absent optional cell
    default: object = None


@dataclass(frozen=True)
class Kind:
    name: str
    table: type[models.Base]
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    #: True: a changed row replaces the stored one (master data, snapshots).
    #: False: rows are immutable facts; a changed row with a stored key is rejected.
    mutable: bool
    #: reference columns that must exist before a row can load; missing ones park the row
    references: tuple[str, ...] = ()
    field_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "field_names", tuple(f.name for f in self.fields))

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)


EVENT_TYPES = frozenset({"offered", "accepted", "declined", "purchased"})
STORE_KINDS = frozenset({"store", "online"})

KINDS: dict[str, Kind] = {
    k.name: k
    for k in (
        Kind(
            "stores",
            models.Store,
            (
                Field("store_id", required=True),
                Field("name", required=True),
                Field("kind", choices=STORE_KINDS, default="store"),
                Field("timezone", TIMEZONE, required=True),
                Field("region"),
                Field("active", BOOL, default=True),
            ),
            key=("store_id",),
            mutable=True,
        ),
        Kind(
            "items",
            models.Item,
            (
                Field("sku", required=True),
                Field("name", required=True),
                Field("brand"),
                Field("maker"),
                Field("model"),
                Field("colour"),
                Field("size"),
                Field("category"),
                Field("purpose"),
                Field("price", FLOAT, min=0),
                Field("launch_date", DATE),
                Field("active", BOOL, default=True),
            ),
            key=("sku",),
            mutable=True,
        ),
        Kind(
            "customers",
            models.Customer,
            (
                Field("customer_id", required=True),
                Field("segment"),
                Field("age_band"),
                Field("sizes"),
                Field("price_band"),
                Field("home_store_id"),
                Field("attributes"),
            ),
            key=("customer_id",),
            mutable=True,
        ),
        Kind(
            "sales",
            models.SaleLine,
            (
                Field("store_id", required=True),
                Field("txn_id", required=True),
                Field("line", INT, required=True),
                Field("timestamp", TIMESTAMP, required=True),
                Field("sku", required=True),
                Field("customer_id"),
                Field("quantity", FLOAT, required=True),
                Field("unit_price", FLOAT, min=0),
                Field("promo", BOOL),
            ),
            key=("store_id", "txn_id", "line"),
            mutable=False,
            references=("sku", "store_id"),
        ),
        Kind(
            "inventory",
            models.InventorySnapshot,
            (
                Field("store_id", required=True),
                Field("sku", required=True),
                Field("business_date", DATE, required=True),
                Field("on_hand", FLOAT, required=True),
                Field("on_order", FLOAT, min=0),
                Field("lead_time_days", INT, min=0, max=365),
                Field("stockout", BOOL),
            ),
            key=("store_id", "sku", "business_date"),
            mutable=True,
            references=("sku", "store_id"),
        ),
        Kind(
            "receipts",
            models.Receipt,
            (
                Field("store_id", required=True),
                Field("sku", required=True),
                Field("po_id", required=True),
                Field("expected_date", DATE, required=True),
                Field("quantity", FLOAT, required=True, min=0),
            ),
            key=("store_id", "sku", "po_id"),
            mutable=True,
            references=("sku", "store_id"),
        ),
        Kind(
            "reviews",
            models.Review,
            (
                Field("review_id", required=True),
                Field("sku", required=True),
                Field("customer_id"),
                Field("rating", INT, min=1, max=5),
                Field("text", required=True),
                Field("language"),
                Field("review_date", DATE),
            ),
            key=("review_id",),
            mutable=False,
            references=("sku",),
        ),
        Kind(
            "events",
            models.SubstitutionEvent,
            (
                Field("event_id", required=True),
                Field("timestamp", TIMESTAMP, required=True),
                Field("event_type", required=True, choices=EVENT_TYPES),
                Field("store_id", required=True),
                Field("customer_id"),
                Field("sku", required=True),
                Field("offered_sku"),
                Field("rank", INT, min=1, max=1000),
                Field("reason"),
            ),
            key=("event_id",),
            mutable=False,
            references=("sku", "store_id"),
        ),
        Kind(
            "promotions",
            models.Promotion,
            (
                Field("promo_id", required=True),
                Field("store_id"),
                Field("sku", required=True),
                Field("start_date", DATE, required=True),
                Field("end_date", DATE, required=True),
                Field("discount_pct", FLOAT, min=0, max=100),
            ),
            key=("promo_id",),
            mutable=True,
            references=("sku",),
        ),
        Kind(
            "weather",
            models.Weather,
            (
                Field("store_id", required=True),
                Field("business_date", DATE, required=True),
                Field("temperature_c", FLOAT, required=True, min=-60, max=60),
            ),
            key=("store_id", "business_date"),
            mutable=True,
            references=("store_id",),
        ),
    )
}

#: The order in which a folder of canonical files is loaded, masters first.
LOAD_ORDER = (
    "stores",
    "items",
    "customers",
    "sales",
    "inventory",
    "receipts",
    "reviews",
    "events",
    "promotions",
    "weather",
)


def get_kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        from substitute.errors import DataError

        raise DataError(f"unknown kind {name!r}: choose one of {', '.join(KINDS)}") from None
