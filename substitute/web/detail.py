"""Everything the item × store page shows, read from the database in one place.

The projected stock starts from the on-hand of the current run, adds each
open receipt on its expected day and takes away the forecast's mean demand
day by day; it never goes below zero (a shelf cannot hold minus pairs). Its
first zero is what the buyer compares with the run's expected sellout day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from substitute.db.models import (
    ForecastDay,
    Item,
    Receipt,
    Review,
    RiskAction,
    SaleLine,
    SelloutRisk,
    Store,
    Substitutability,
)

__all__ = ["Detail", "LoyaltyProfile", "load_detail", "project_stock", "window_demand"]

#: Days of sales history drawn before the forecast date.
HISTORY_DAYS = 56
#: Review excerpts shown per kind of loyalty.
EXCERPTS = 3
EXCERPT_CHARS = 240


@dataclass(frozen=True)
class ForecastPoint:
    day: dt.date
    mean: float
    q50: float | None
    q90: float | None
    q95: float | None
    q975: float | None


@dataclass(frozen=True)
class ShareRow:
    level: str  # item | model | brand
    key: str
    n_reviews: int
    share_psychological: float
    share_behavioral: float
    n_psychological: int
    n_behavioral: int


@dataclass
class LoyaltyProfile:
    shares: list[ShareRow] = field(default_factory=list)
    psychological: list[str] = field(default_factory=list)
    behavioral: list[str] = field(default_factory=list)


@dataclass
class Detail:
    item: Item | None
    store: Store | None
    risk: SelloutRisk | None
    history: dict[dt.date, float]
    forecast: list[ForecastPoint]
    receipts: list[tuple[dt.date, float]]
    projected: list[tuple[dt.date, float]]
    loyalty: LoyaltyProfile
    actions: list[RiskAction]


def project_stock(
    on_hand: float, forecast: list[ForecastPoint], receipts: list[tuple[dt.date, float]]
) -> list[tuple[dt.date, float]]:
    """End-of-day stock expected on each forecast day (mean demand, receipts on arrival)."""
    arriving: dict[dt.date, float] = {}
    for day, qty in receipts:
        arriving[day] = arriving.get(day, 0.0) + qty
    stock, out = max(on_hand, 0.0), []
    for point in forecast:
        stock = max(stock + arriving.get(point.day, 0.0) - point.mean, 0.0)
        out.append((point.day, stock))
    return out


def window_demand(forecast: list[ForecastPoint], start: dt.date, end: dt.date) -> float:
    """Expected units demanded on days ``start <= day < end``."""
    return float(sum(p.mean for p in forecast if start <= p.day < end))


def read_forecast(session: Session, run_id: int, store_id: str, sku: str) -> list[ForecastPoint]:
    rows = session.execute(
        select(
            ForecastDay.target_date,
            ForecastDay.mean,
            ForecastDay.q50,
            ForecastDay.q90,
            ForecastDay.q95,
            ForecastDay.q975,
        )
        .where(ForecastDay.run_id == run_id, ForecastDay.store_id == store_id, ForecastDay.sku == sku)
        .order_by(ForecastDay.target_date)
    )
    return [ForecastPoint(*r) for r in rows]


def _loyalty(session: Session, item: Item | None, sku: str) -> LoyaltyProfile:
    out = LoyaltyProfile()
    keys = [("item", sku)]
    if item is not None and item.model:
        keys.append(("model", item.model))
    if item is not None and item.brand:
        keys.append(("brand", item.brand))
    for level, key in keys:
        query = select(Substitutability).where(Substitutability.level == level, Substitutability.key == key)
        if item is not None and item.category:
            query = query.where(Substitutability.category == item.category)
        row = session.scalars(query.limit(1)).first()
        if row is not None:
            out.shares.append(
                ShareRow(
                    level,
                    key,
                    row.n_reviews,
                    row.share_psychological,
                    row.share_behavioral,
                    row.n_psychological,
                    row.n_behavioral,
                )
            )
    for label, target in (("psychological", out.psychological), ("behavioral", out.behavioral)):
        texts = session.scalars(
            select(Review.text)
            .where(Review.sku == sku, Review.loyalty_label == label)
            .order_by(Review.review_date.desc().nulls_last(), Review.review_id)
            .limit(EXCERPTS)
        )
        # Shortened here; escaped by the template (never marked safe).
        target.extend(t if len(t) <= EXCERPT_CHARS else t[: EXCERPT_CHARS - 1] + "…" for t in texts)
    return out


def load_detail(engine: Engine, run_id: int, as_of: dt.date, store_id: str, sku: str) -> Detail:
    """Read one item × store for the detail page (a missing part is empty, not an error)."""
    with Session(engine) as session:
        item = session.get(Item, sku)
        store = session.get(Store, store_id)
        risk = session.get(SelloutRisk, (run_id, store_id, sku))
        start = as_of - dt.timedelta(days=HISTORY_DAYS - 1)
        history = {
            day: float(qty)
            for day, qty in session.execute(
                select(SaleLine.business_date, func.sum(SaleLine.quantity))
                .where(
                    SaleLine.sku == sku,
                    SaleLine.store_id == store_id,
                    SaleLine.business_date >= start,
                    SaleLine.business_date <= as_of,
                )
                .group_by(SaleLine.business_date)
            )
        }
        forecast = read_forecast(session, run_id, store_id, sku)
        receipts = [
            (day, float(qty))
            for day, qty in session.execute(
                select(Receipt.expected_date, func.sum(Receipt.quantity))
                .where(Receipt.sku == sku, Receipt.store_id == store_id, Receipt.expected_date > as_of)
                .group_by(Receipt.expected_date)
                .order_by(Receipt.expected_date)
            )
        ]
        loyalty = _loyalty(session, item, sku)
        actions = list(
            session.scalars(
                select(RiskAction)
                .where(RiskAction.store_id == store_id, RiskAction.sku == sku)
                .order_by(RiskAction.created_at.desc(), RiskAction.id.desc())
                .limit(50)
            )
        )
        session.expunge_all()
    on_hand = float(risk.on_hand) if risk is not None and risk.on_hand is not None else 0.0
    return Detail(
        item=item,
        store=store,
        risk=risk,
        history=history,
        forecast=forecast,
        receipts=receipts,
        projected=project_stock(on_hand, forecast, receipts),
        loyalty=loyalty,
        actions=actions,
    )
