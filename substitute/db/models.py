"""The database schema: SQLAlchemy 2 typed models.

External ids (``sku``, ``store_id``, ``customer_id``) are strings, as the
retailer writes them. Fact tables carry no foreign keys: ingestion checks
references itself and parks rows whose SKU or store is not known yet
(``unmatched_rows``), so a late catalogue never loses a sale. Timestamps are
naive UTC; ``business_date`` is the local day in the store's time zone.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints make Alembic migrations portable between SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "pk": "pk_%(table_name)s",
}

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets BIGINT.
BigId = BigInteger().with_variant(Integer(), "sqlite")

Id = String(64)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def table_of(model: type[Base]) -> Table:
    """The model's ``Table`` (``__table__`` is typed as a bare ``FromClause``)."""
    return cast(Table, model.__table__)


# --- master data -------------------------------------------------------------


class Store(Base):
    """A shop, or a sales channel such as the e-commerce site (``kind='online'``)."""

    __tablename__ = "stores"
    store_id: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16), default="store")
    timezone: Mapped[str] = mapped_column(String(64))
    region: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class Item(Base):
    __tablename__ = "items"
    sku: Mapped[str] = mapped_column(Id, primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    brand: Mapped[str | None] = mapped_column(String(120), index=True)
    maker: Mapped[str | None] = mapped_column(String(120))
    model: Mapped[str | None] = mapped_column(String(120), index=True)
    colour: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[str | None] = mapped_column(String(32))
    category: Mapped[str | None] = mapped_column(String(300), index=True)
    purpose: Mapped[str | None] = mapped_column(String(300))
    price: Mapped[float | None] = mapped_column(Float)
    launch_date: Mapped[dt.date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class Customer(Base):
    __tablename__ = "customers"
    customer_id: Mapped[str] = mapped_column(Id, primary_key=True)
    segment: Mapped[str | None] = mapped_column(String(64))
    age_band: Mapped[str | None] = mapped_column(String(32))
    sizes: Mapped[str | None] = mapped_column(String(200))
    price_band: Mapped[str | None] = mapped_column(String(32))
    home_store_id: Mapped[str | None] = mapped_column(Id)
    attributes: Mapped[str | None] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(BigId)


# --- facts ---------------------------------------------------------------------


class SaleLine(Base):
    """One line of a transaction; returns are negative quantities."""

    __tablename__ = "sales"
    __table_args__ = (
        UniqueConstraint("store_id", "txn_id", "line"),
        Index("ix_sales_sku_store_date", "sku", "store_id", "business_date"),
    )
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(Id)
    txn_id: Mapped[str] = mapped_column(String(128))
    line: Mapped[int] = mapped_column(BigInteger)
    ts_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    business_date: Mapped[dt.date] = mapped_column(Date)
    sku: Mapped[str] = mapped_column(Id)
    customer_id: Mapped[str | None] = mapped_column(Id, index=True)
    quantity: Mapped[float] = mapped_column(Float)
    unit_price: Mapped[float | None] = mapped_column(Float)
    promo: Mapped[bool | None] = mapped_column(Boolean)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class InventorySnapshot(Base):
    """End-of-day stock position of one SKU at one store."""

    __tablename__ = "inventory"
    store_id: Mapped[str] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(Id, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    on_hand: Mapped[float] = mapped_column(Float)
    on_order: Mapped[float | None] = mapped_column(Float)
    lead_time_days: Mapped[int | None] = mapped_column(Integer)
    stockout: Mapped[bool | None] = mapped_column(Boolean)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class Receipt(Base):
    """An expected delivery (open purchase order or transfer line)."""

    __tablename__ = "receipts"
    store_id: Mapped[str] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(Id, primary_key=True)
    po_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    expected_date: Mapped[dt.date] = mapped_column(Date)
    quantity: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class Review(Base):
    __tablename__ = "reviews"
    review_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    sku: Mapped[str] = mapped_column(Id, index=True)
    customer_id: Mapped[str | None] = mapped_column(Id, index=True)
    rating: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    language: Mapped[str | None] = mapped_column(String(8))
    review_date: Mapped[dt.date | None] = mapped_column(Date)
    loyalty_label: Mapped[str | None] = mapped_column(String(16))
    loyalty_score: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class SubstitutionEvent(Base):
    """An offer shown at checkout and what the customer did with it."""

    __tablename__ = "substitution_events"
    event_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    ts_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    event_type: Mapped[str] = mapped_column(String(16))
    store_id: Mapped[str] = mapped_column(Id)
    customer_id: Mapped[str | None] = mapped_column(Id, index=True)
    sku: Mapped[str] = mapped_column(Id, index=True)
    offered_sku: Mapped[str | None] = mapped_column(Id)
    rank: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(BigId)


class Promotion(Base):
    __tablename__ = "promotions"
    promo_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    store_id: Mapped[str | None] = mapped_column(Id)  # None: every store
    sku: Mapped[str] = mapped_column(Id, index=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date] = mapped_column(Date)
    discount_pct: Mapped[float | None] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class Weather(Base):
    """Daily temperature at a store: heat lifts sandal demand."""

    __tablename__ = "weather"
    store_id: Mapped[str] = mapped_column(Id, primary_key=True)
    business_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    temperature_c: Mapped[float] = mapped_column(Float)
    batch_id: Mapped[int | None] = mapped_column(BigId)


# --- ingestion ledger ----------------------------------------------------------


class UnmatchedRow(Base):
    """A fact row whose SKU or store is not known yet, kept until it is."""

    __tablename__ = "unmatched_rows"
    __table_args__ = (UniqueConstraint("kind", "row_key"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    row_key: Mapped[str] = mapped_column(String(400))
    missing: Mapped[str] = mapped_column(String(200))
    payload: Mapped[str] = mapped_column(Text)
    batch_id: Mapped[int | None] = mapped_column(BigId)


class IngestBatch(Base):
    __tablename__ = "ingest_batches"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    mapping: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16))
    rows_read: Mapped[int] = mapped_column(BigInteger, default=0)
    loaded: Mapped[int] = mapped_column(BigInteger, default=0)
    updated: Mapped[int] = mapped_column(BigInteger, default=0)
    parked: Mapped[int] = mapped_column(BigInteger, default=0)
    duplicate: Mapped[int] = mapped_column(BigInteger, default=0)
    rejected: Mapped[int] = mapped_column(BigInteger, default=0)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    message: Mapped[str | None] = mapped_column(Text)
    #: ``hostname:pid:token`` of the loading process, to tell a killed load from a live one
    owner: Mapped[str | None] = mapped_column(String(200))


class IngestReject(Base):
    """A row that could not be loaded, with where it was and why."""

    __tablename__ = "ingest_rejects"
    __table_args__ = (UniqueConstraint("kind", "file_sha256", "line", "column_name"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[int] = mapped_column(BigId, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(500))
    file_sha256: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(BigInteger)
    column_name: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str] = mapped_column(String(64))
    raw_value: Mapped[str | None] = mapped_column(Text)


# --- forecasts, models, keys, jobs ---------------------------------------------


class ForecastRun(Base):
    """One nightly forecast. Readers use the single run with ``is_current``."""

    __tablename__ = "forecast_runs"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    as_of: Mapped[dt.date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(16))  # running | active | superseded | failed
    is_current: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    executor: Mapped[str | None] = mapped_column(String(16))
    n_series: Mapped[int | None] = mapped_column(Integer)
    n_expected: Mapped[int | None] = mapped_column(Integer)
    config: Mapped[str | None] = mapped_column(Text)  # the effective ForecastConfig, JSON
    started_at: Mapped[dt.datetime] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    message: Mapped[str | None] = mapped_column(Text)


class ForecastDay(Base):
    """Daily demand forecast of one series, in long format."""

    __tablename__ = "forecasts"
    run_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[str] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(Id, primary_key=True)
    target_date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    mean: Mapped[float] = mapped_column(Float)
    q50: Mapped[float | None] = mapped_column(Float)
    q90: Mapped[float | None] = mapped_column(Float)
    q95: Mapped[float | None] = mapped_column(Float)
    q975: Mapped[float | None] = mapped_column(Float)


class SelloutRisk(Base):
    """Per series and run: which model, when it sells out and what to do about it."""

    __tablename__ = "sellout_risks"
    run_id: Mapped[int] = mapped_column(BigId, primary_key=True)
    store_id: Mapped[str] = mapped_column(Id, primary_key=True)
    sku: Mapped[str] = mapped_column(Id, primary_key=True)
    model: Mapped[str] = mapped_column(String(32))
    fallback_reason: Mapped[str | None] = mapped_column(String(200))
    demand_class: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[str | None] = mapped_column(String(200))
    n_observed_days: Mapped[int | None] = mapped_column(Integer)
    n_censored_days: Mapped[int | None] = mapped_column(Integer)
    est_lost_units: Mapped[float | None] = mapped_column(Float)
    on_hand: Mapped[float | None] = mapped_column(Float)
    next_receipt_date: Mapped[dt.date | None] = mapped_column(Date)
    p_stockout_before_receipt: Mapped[float | None] = mapped_column(Float)
    #: within the run's ``stockout_window_days`` (see the run's config)
    p_stockout_window: Mapped[float | None] = mapped_column(Float)
    expected_sellout_date: Mapped[dt.date | None] = mapped_column(Date)
    median_sellout_date: Mapped[dt.date | None] = mapped_column(Date)
    days_of_cover: Mapped[float | None] = mapped_column(Float)
    order_up_to: Mapped[float | None] = mapped_column(Float)
    reorder_qty: Mapped[float | None] = mapped_column(Float)


class LoyaltyProfile(Base):
    """Why a customer buys in a category, with the real counts behind it (refreshed nightly)."""

    __tablename__ = "loyalty_profiles"
    customer_id: Mapped[str] = mapped_column(Id, primary_key=True)
    category: Mapped[str] = mapped_column(String(300), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))  # psychological | behavioral | unknown
    leaning: Mapped[str | None] = mapped_column(String(16))
    strength: Mapped[float] = mapped_column(Float)
    confidence: Mapped[float] = mapped_column(Float)
    brand: Mapped[str | None] = mapped_column(String(120))
    n_purchases: Mapped[int] = mapped_column(Integer, default=0)
    n_reviews_psychological: Mapped[int] = mapped_column(Integer, default=0)
    n_reviews_behavioral: Mapped[int] = mapped_column(Integer, default=0)
    n_reviews_none: Mapped[int] = mapped_column(Integer, default=0)
    n_offers_accepted: Mapped[int] = mapped_column(Integer, default=0)
    n_offers_declined: Mapped[int] = mapped_column(Integer, default=0)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Substitutability(Base):
    """How substitutable an item, model or brand is, from its reviews (refreshed nightly)."""

    __tablename__ = "substitutability"
    level: Mapped[str] = mapped_column(String(8), primary_key=True)  # item | model | brand
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    category: Mapped[str] = mapped_column(String(300), primary_key=True)
    n_reviews: Mapped[int] = mapped_column(Integer)
    n_psychological: Mapped[int] = mapped_column(Integer)
    n_behavioral: Mapped[int] = mapped_column(Integer)
    n_none: Mapped[int] = mapped_column(Integer)
    share_psychological: Mapped[float] = mapped_column(Float)
    share_behavioral: Mapped[float] = mapped_column(Float)
    substitutability: Mapped[float] = mapped_column(Float)
    refreshed_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ModelArtifact(Base):
    __tablename__ = "model_artifacts"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(64), unique=True)
    path: Mapped[str] = mapped_column(String(500))
    manifest: Mapped[str] = mapped_column(Text)
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class ApiKey(Base):
    """An API key, stored only as a hash; the plaintext is shown once."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(120))
    prefix: Mapped[str] = mapped_column(String(24), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scopes: Mapped[str] = mapped_column(String(200))
    store_ids: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class JobRun(Base):
    """One run of a scheduled job; the unique (job, slot) claims the slot."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot_utc"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    job: Mapped[str] = mapped_column(String(64))
    slot_utc: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    counts: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(200))


class JobState(Base):
    """Operator switches of a scheduled job (paused or not), shared by every scheduler process."""

    __tablename__ = "job_states"
    job: Mapped[str] = mapped_column(String(64), primary_key=True)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_by: Mapped[str | None] = mapped_column(String(120))


class RiskAction(Base):
    """What a buyer did about a sellout risk: reviewed it, noted something, or planned."""

    __tablename__ = "risk_actions"
    __table_args__ = (Index("ix_risk_actions_store_sku", "store_id", "sku"),)
    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(Id)
    sku: Mapped[str] = mapped_column(Id)
    action: Mapped[str] = mapped_column(String(16))  # reviewed | note | plan
    plan_type: Mapped[str | None] = mapped_column(String(16))  # reorder | transfer | substitute
    quantity: Mapped[float | None] = mapped_column(Float)
    other_store_id: Mapped[str | None] = mapped_column(Id)  # the source of a transfer
    substitute_sku: Mapped[str | None] = mapped_column(Id)
    text: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    run_id: Mapped[int | None] = mapped_column(BigId)  # the forecast run the buyer was looking at
