"""The risk list: this morning's sellout risks of the current run, most urgent first.

Urgency is the probability of running out before the next delivery, then
the sooner expected sellout, then the fewer days of cover. Filters narrow by
store, category (a category also matches its sub-categories,
``footwear`` matches ``footwear>sandals``), horizon (sells out within N days
of the forecast date) and risk (at least this probability); a search matches
the SKU or the item name. Everything is done in one SQL query with paging,
so a retailer with 100,000 series pays only for the rows on screen.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import Engine, Select, func, or_, select

from substitute.db.models import Item, RiskAction, SelloutRisk, Store

__all__ = [
    "HORIZONS",
    "PER_PAGE",
    "RISK_LEVELS",
    "RiskFilter",
    "RiskPage",
    "filter_options",
    "iter_risks",
    "latest_actions",
    "risk_page",
]

#: Days ahead a buyer may look (the forecast covers 28).
HORIZONS = (7, 14, 28)
#: Minimum probability of a stockout before the next delivery, in percent.
RISK_LEVELS = (20, 50, 80)
PER_PAGE = (50, 200, 1000, 2000)
MAX_SEARCH = 100


@dataclass(frozen=True)
class RiskFilter:
    """What the buyer asked for; invalid values are dropped, not errors (a URL can be edited)."""

    store: str = ""
    category: str = ""
    horizon: int | None = None
    risk: int | None = None
    q: str = ""
    page: int = 1
    per_page: int = PER_PAGE[0]

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> RiskFilter:
        def number(name: str, allowed: tuple[int, ...]) -> int | None:
            value = args.get(name, "")
            return int(value) if value.isdigit() and int(value) in allowed else None

        page = args.get("page", "1")
        return cls(
            store=args.get("store", "").strip()[:64],
            category=args.get("category", "").strip()[:300],
            horizon=number("horizon", HORIZONS),
            risk=number("risk", RISK_LEVELS),
            q=args.get("q", "").strip()[:MAX_SEARCH],
            page=max(1, min(int(page), 1_000_000)) if page.isdigit() else 1,
            per_page=number("per_page", PER_PAGE) or PER_PAGE[0],
        )

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query arguments for a link to this filter with ``changes`` (defaults left out)."""
        f = replace(self, **changes)
        out = {
            "store": f.store,
            "category": f.category,
            "horizon": f.horizon,
            "risk": f.risk,
            "q": f.q,
            "page": f.page if f.page > 1 else None,
            "per_page": f.per_page if f.per_page != PER_PAGE[0] else None,
        }
        return {k: v for k, v in out.items() if v not in ("", None)}


@dataclass(frozen=True)
class RiskRow:
    store_id: str
    store_name: str
    sku: str
    name: str
    brand: str | None
    category: str | None
    p_before_receipt: float | None
    p_window: float | None
    expected_sellout_date: dt.date | None
    median_sellout_date: dt.date | None
    days_of_cover: float | None
    next_receipt_date: dt.date | None
    on_hand: float | None
    reorder_qty: float | None
    model: str
    fallback_reason: str | None


@dataclass
class RiskPage:
    rows: list[RiskRow]
    total: int
    filter: RiskFilter
    pages: int = field(init=False)

    def __post_init__(self) -> None:
        self.pages = max(1, -(-self.total // self.filter.per_page))


_COLUMNS = (
    SelloutRisk.store_id,
    func.coalesce(Store.name, SelloutRisk.store_id).label("store_name"),
    SelloutRisk.sku,
    func.coalesce(Item.name, SelloutRisk.sku).label("name"),
    Item.brand,
    Item.category,
    SelloutRisk.p_stockout_before_receipt,
    SelloutRisk.p_stockout_window,
    SelloutRisk.expected_sellout_date,
    SelloutRisk.median_sellout_date,
    SelloutRisk.days_of_cover,
    SelloutRisk.next_receipt_date,
    SelloutRisk.on_hand,
    SelloutRisk.reorder_qty,
    SelloutRisk.model,
    SelloutRisk.fallback_reason,
)

URGENCY = (
    SelloutRisk.p_stockout_before_receipt.desc().nulls_last(),
    SelloutRisk.expected_sellout_date.asc().nulls_last(),
    SelloutRisk.days_of_cover.asc().nulls_last(),
    SelloutRisk.store_id,
    SelloutRisk.sku,
)


def _where(
    query: Select[Any], run_id: int, as_of: dt.date, f: RiskFilter, stores: frozenset[str] | None
) -> Select[Any]:
    query = query.where(SelloutRisk.run_id == run_id)
    if stores is not None:
        query = query.where(SelloutRisk.store_id.in_(sorted(stores)))
    if f.store:
        query = query.where(SelloutRisk.store_id == f.store)
    if f.category:
        query = query.where(
            or_(Item.category == f.category, Item.category.startswith(f.category + ">", autoescape=True))
        )
    if f.horizon is not None:
        query = query.where(SelloutRisk.expected_sellout_date <= as_of + dt.timedelta(days=f.horizon))
    if f.risk is not None:
        query = query.where(SelloutRisk.p_stockout_before_receipt >= f.risk / 100)
    if f.q:
        needle = f.q.lower()
        query = query.where(
            or_(
                func.lower(SelloutRisk.sku).contains(needle, autoescape=True),
                func.lower(Item.name).contains(needle, autoescape=True),
            )
        )
    return query


def _base(columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(SelloutRisk)
        .outerjoin(Item, Item.sku == SelloutRisk.sku)
        .outerjoin(Store, Store.store_id == SelloutRisk.store_id)
    )


def risk_page(
    engine: Engine, run_id: int, as_of: dt.date, f: RiskFilter, stores: frozenset[str] | None = None
) -> RiskPage:
    """One page of the filtered risk list and the number of rows in all pages.

    Parameters
    ----------
    run_id, as_of
        The current forecast run and its forecast date (horizons count from it).
    f
        The filter, page and page size.
    stores
        The stores the signed-in key may see (None: every store).
    """
    count = _where(_base([func.count()]), run_id, as_of, f, stores)
    with engine.connect() as conn:
        total = int(conn.execute(count).scalar_one())
        page = min(f.page, max(1, -(-total // f.per_page)))
        query = _where(_base(_COLUMNS), run_id, as_of, f, stores).order_by(*URGENCY)
        query = query.limit(f.per_page).offset((page - 1) * f.per_page)
        rows = [RiskRow(*r) for r in conn.execute(query)]
    return RiskPage(rows, total, replace(f, page=page))


def iter_risks(
    engine: Engine,
    run_id: int,
    as_of: dt.date,
    f: RiskFilter,
    stores: frozenset[str] | None = None,
    batch: int = 5000,
) -> Iterator[RiskRow]:
    """Every row of the filter, most urgent first, read in batches (for the export)."""
    query = _where(_base(_COLUMNS), run_id, as_of, f, stores).order_by(*URGENCY)
    with engine.connect() as conn:
        result = conn.execution_options(yield_per=batch).execute(query)
        for r in result:
            yield RiskRow(*r)


def filter_options(engine: Engine, run_id: int, stores: frozenset[str] | None) -> dict[str, list[Any]]:
    """The stores and categories that occur in the run (top-level categories first)."""
    with engine.connect() as conn:
        store_rows = conn.execute(
            select(SelloutRisk.store_id, func.coalesce(Store.name, SelloutRisk.store_id))
            .select_from(SelloutRisk)
            .outerjoin(Store, Store.store_id == SelloutRisk.store_id)
            .where(SelloutRisk.run_id == run_id)
            .group_by(SelloutRisk.store_id, Store.name)
            .order_by(SelloutRisk.store_id)
        ).all()
        cats = conn.execute(
            select(Item.category)
            .join(SelloutRisk, SelloutRisk.sku == Item.sku)
            .where(SelloutRisk.run_id == run_id, Item.category.is_not(None))
            .group_by(Item.category)
        ).scalars()
        categories: set[str] = set()
        for cat in cats:
            if not cat:
                continue
            parts = cat.split(">")
            categories.update(">".join(parts[: i + 1]) for i in range(len(parts)))
    return {
        "stores": [(s, n) for s, n in store_rows if stores is None or s in stores],
        "categories": sorted(categories),
    }


def latest_actions(engine: Engine, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], RiskAction]:
    """The newest action recorded for each (store, sku) of ``pairs``."""
    if not pairs:
        return {}
    wanted = set(pairs)
    skus = sorted({sku for _, sku in pairs})
    out: dict[tuple[str, str], RiskAction] = {}
    from sqlalchemy.orm import Session

    with Session(engine) as session:
        for i in range(0, len(skus), 900):  # SQLite's bound-parameter limit, with room to spare
            query = (
                select(RiskAction)
                .where(RiskAction.sku.in_(skus[i : i + 900]))
                .order_by(RiskAction.created_at, RiskAction.id)
            )
            for action in session.scalars(query):
                key = (action.store_id, action.sku)
                if key in wanted:
                    out[key] = action  # ascending order: the last one wins
            session.expunge_all()
    return out
