"""``GET /v1/stockouts``: the buyers' morning risk list, as JSON or CSV.

Rows of the current forecast run whose probability of running out before the
next delivery is at least ``min_probability`` and that are expected to sell
out within ``within_days``, most likely first, each with the substitutes
prepared for it (from the snapshot in service, so they are in stock).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Response, request
from spectree import Response as Documented
from sqlalchemy import and_, func, or_, select

from substitute.api.auth import allowed_stores, check_store
from substitute.api.checkout import checkout
from substitute.api.csv_export import to_csv
from substitute.api.state import state
from substitute.api.v1.routing import bp, endpoint
from substitute.api.v1.schemas import Stockouts, StockoutsQuery
from substitute.db.models import ForecastRun, Item, SelloutRisk
from substitute.errors import NotFound

COLUMNS = (
    "store",
    "sku",
    "name",
    "category",
    "brand",
    "on_hand",
    "p_stockout_before_receipt",
    "p_stockout_window",
    "expected_sellout_date",
    "days_of_cover",
    "next_receipt_date",
    "reorder_qty",
    "model",
    "fallback_reason",
)


def _current_run(conn: Any) -> tuple[int, dt.date] | None:
    row = conn.execute(
        select(ForecastRun.id, ForecastRun.as_of).where(ForecastRun.is_current.is_(True))
    ).first()
    return (row[0], row[1]) if row else None


def _query(q: StockoutsQuery, run_id: int, as_of: dt.date) -> Any:
    probability = func.coalesce(SelloutRisk.p_stockout_before_receipt, SelloutRisk.p_stockout_window)
    horizon = as_of + dt.timedelta(days=q.within_days)
    query = (
        select(
            SelloutRisk.store_id,
            SelloutRisk.sku,
            Item.name,
            Item.category,
            Item.brand,
            SelloutRisk.on_hand,
            SelloutRisk.p_stockout_before_receipt,
            SelloutRisk.p_stockout_window,
            SelloutRisk.expected_sellout_date,
            SelloutRisk.days_of_cover,
            SelloutRisk.next_receipt_date,
            SelloutRisk.reorder_qty,
            SelloutRisk.model,
            SelloutRisk.fallback_reason,
        )
        .outerjoin(Item, Item.sku == SelloutRisk.sku)
        .where(
            SelloutRisk.run_id == run_id,
            probability >= q.min_probability,
            or_(
                SelloutRisk.expected_sellout_date <= horizon,
                and_(SelloutRisk.expected_sellout_date.is_(None), SelloutRisk.days_of_cover <= q.within_days),
            ),
        )
    )
    if q.store is not None:
        query = query.where(SelloutRisk.store_id == q.store)
    else:
        stores = allowed_stores()
        if stores is not None:
            query = query.where(SelloutRisk.store_id.in_(sorted(stores)))
    if q.category is not None:
        query = query.where(Item.category == q.category)
    return query


def _prepared(store: str, sku: str, k: int) -> tuple[list[dict[str, Any]], bool]:
    if k == 0:
        return [], False
    try:
        answer = checkout().answer(sku, store, k=k)
    except NotFound:
        return [], False
    offers = [
        {"sku": o["sku"], "strategy": o["strategy"], "available_qty": o["available_qty"]}
        for o in answer.substitutes
    ]
    return offers, answer.degraded


def _wants_csv(q: StockoutsQuery) -> bool:
    if q.format == "csv":
        return True
    # JSON unless the client prefers CSV (``*/*`` and no Accept both mean JSON).
    return request.accept_mimetypes.best_match(["application/json", "text/csv"]) == "text/csv"


@bp.get("/stockouts")
@endpoint("buyer", query=StockoutsQuery, resp=Documented(HTTP_200=Stockouts), tags=["buyers"])
def get_stockouts():  # type: ignore[no-untyped-def]
    """The sellout risk list with prepared substitutes; ``format=csv`` for a spreadsheet."""
    q: StockoutsQuery = request.context.query  # type: ignore[attr-defined]
    if q.store is not None:
        check_store(q.store)
    with state().engine.connect() as conn:
        current = _current_run(conn)
        if current is None:
            rows: list[Any] = []
            total, run_id, as_of = 0, None, None
        else:
            run_id, as_of = current
            query = _query(q, run_id, as_of)
            total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
            probability = func.coalesce(SelloutRisk.p_stockout_before_receipt, SelloutRisk.p_stockout_window)
            ordered = query.order_by(
                probability.desc(), SelloutRisk.days_of_cover, SelloutRisk.store_id, SelloutRisk.sku
            )
            rows = conn.execute(ordered.limit(q.limit).offset(q.offset)).all()
    items, degraded = [], False
    for row in rows:
        record = dict(zip(COLUMNS, row, strict=True))
        record["substitutes"], row_degraded = _prepared(record["store"], record["sku"], q.substitutes)
        degraded = degraded or row_degraded
        items.append(record)
    if _wants_csv(q):
        body = to_csv(
            [*COLUMNS, "substitutes"],
            ([*(r[c] for c in COLUMNS), " ".join(s["sku"] for s in r["substitutes"])] for r in items),
        )
        name = f"stockouts-{as_of.isoformat() if as_of else 'none'}.csv"
        return Response(
            body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'}
        )
    return {
        "run_id": run_id,
        "as_of": as_of.isoformat() if as_of else None,
        "total": total,
        "limit": q.limit,
        "offset": q.offset,
        "items": [_jsonable(r) for r in items],
        "degraded": degraded,
    }


def _jsonable(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in record.items()}
