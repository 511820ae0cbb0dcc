"""Arrow tables of every output file, from the generator's arrays.

Only shaping lives here: ids become text, day indices become ISO dates, rows
are put in an order that compresses well (by shop, then item, then day).
Column names are the canonical ones of :mod:`substitute.ingest.kinds`;
:func:`substitute.demo.output.conform` fixes order and types on writing.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from substitute.demo.brands import BRANDS, COLOURS
from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES, purpose_tags
from substitute.demo.choice import BEHAVIOURAL, PSYCHOLOGICAL, ChoiceParams
from substitute.demo.clock import DayTexts, padded, timestamps
from substitute.demo.offers import EVENT_COLUMNS, EVENT_TYPES, REASONS
from substitute.demo.places import TIMEZONE, Shop
from substitute.demo.population import PRICE_BANDS, Population, attributes_json, segments, sizes_text
from substitute.demo.promotions import ALL_SHOPS, Promotion
from substitute.demo.reviews import Reviews
from substitute.demo.sampler import (
    PULL_FAVOURITE_BRAND,
    PULL_FAVOURITE_MODEL,
    PULL_NO_PURPOSE,
    PULL_OTHER_BRAND,
    PULL_PRICE,
)
from substitute.demo.simulate import RESPONSES, ShopHistory
from substitute.demo.transactions import ReviewPool

LOST_SCHEMA = pa.schema(
    [
        ("store_id", pa.string()),
        ("sku", pa.string()),
        ("business_date", pa.string()),
        ("demand", pa.int32()),
        ("sales", pa.int32()),
        ("lost_demand", pa.int32()),
        ("out_all_day", pa.bool_()),
        ("offered", pa.int32()),
        ("substituted", pa.int32()),
        *[(name, pa.int32()) for name in RESPONSES],
    ]
)


def _text(values: list[str] | np.ndarray) -> pa.Array:
    return pa.array(list(values), type=pa.string())


def _purpose_text(masks: np.ndarray) -> pa.Array:
    """``outdoor|leisure`` for each purpose bit mask (few distinct masks, so via a lookup)."""
    unique, inverse = np.unique(masks, return_inverse=True)
    return _text(["|".join(purpose_tags(int(m))) for m in unique.tolist()]).take(pa.array(inverse.ravel()))


def _repeat(value: str, n: int) -> pa.Array:
    return pa.array([value], type=pa.string()).take(pa.array(np.zeros(n, dtype=np.int64)))


def inventory(
    store_id: str,
    items: np.ndarray,
    history: ShopHistory,
    lead: np.ndarray,
    sku_text: pa.Array,
    days: DayTexts,
) -> pa.Table:
    """End-of-day stock of every listing on every day it was on sale."""
    listing, day = np.nonzero(history.alive)
    on_hand = history.on_hand[listing, day]
    return pa.table(
        {
            "store_id": _repeat(store_id, len(listing)),
            "sku": sku_text.take(pa.array(items[listing])),
            "business_date": days.date(day),
            "on_hand": pa.array(on_hand.astype(np.float64)),
            "on_order": pa.array(history.on_order[listing, day].astype(np.float64)),
            "lead_time_days": pa.array(lead[listing].astype(np.int64)),
            "stockout": pa.array(on_hand == 0),
        }
    )


def lost_demand(
    store_id: str, items: np.ndarray, history: ShopHistory, sku_text: pa.Array, days: DayTexts
) -> pa.Table:
    """Truth rows of listing-days with unserved demand, by listing then day."""
    lost = history.lost
    order = np.lexsort((lost["day"], lost["listing"]))
    columns: dict[str, Any] = {
        "store_id": _repeat(store_id, len(order)),
        "sku": sku_text.take(pa.array(items[lost["listing"][order]])),
        "business_date": days.date(lost["day"][order]),
        "demand": lost["demand"][order],
        "sales": lost["sales"][order],
        "lost_demand": lost["lost"][order],
        "out_all_day": lost["out_at_open"][order].astype(bool),
        "offered": lost["offered"][order],
        "substituted": lost["substituted"][order],
    }
    for name in RESPONSES:
        columns[name] = lost[name][order]
    return pa.table({k: (v if isinstance(v, pa.Array) else pa.array(v)) for k, v in columns.items()}).cast(
        LOST_SCHEMA
    )


def receipts(
    store_id: str, items: np.ndarray, history: ShopHistory, sku_text: pa.Array, days: DayTexts
) -> pa.Table:
    """Open purchase orders at the end of the window, with the date each is expected."""
    orders = history.open_orders
    n = len(orders["listing"])
    po = padded(np.arange(1, n + 1), 5)
    return pa.table(
        {
            "store_id": _repeat(store_id, n),
            "sku": sku_text.take(pa.array(items[orders["listing"]])),
            "po_id": pc.binary_join_element_wise(pa.scalar(f"PO-{store_id}-"), po, ""),
            "expected_date": days.date(orders["arrival_day"]),
            "quantity": pa.array(orders["quantity"].astype(np.float64)),
        }
    )


def concat_pools(pools: list[ReviewPool]) -> ReviewPool:
    """All shops' review pools as one."""
    return ReviewPool(
        **{k: np.concatenate([getattr(p, k) for p in pools]) for k in ReviewPool.__dataclass_fields__}
    )


def reviews(
    written: Reviews, sku_text: pa.Array, customer_text: pa.Array, days: DayTexts
) -> tuple[pa.Table, pa.Table]:
    """The reviews file and its hidden labels (motive, author's loyalty, names a brand)."""
    n = len(written.item)
    review_id = pc.binary_join_element_wise(pa.scalar("R"), padded(np.arange(1, n + 1), 7), "")
    table = pa.table(
        {
            "review_id": review_id,
            "sku": sku_text.take(pa.array(written.item)),
            "customer_id": customer_text.take(pa.array(written.customer)),
            "rating": pa.array(written.rating, type=pa.int64()),
            "text": _text(written.text),
            "language": _text(written.language),
            "review_date": days.date(written.day),
        }
    )
    truth = pa.table(
        {
            "review_id": review_id,
            "motive": _text(written.motive),
            "author_loyalty": _text(written.loyalty),
            "names_brand": pa.array(written.names_brand),
        }
    )
    return table, truth


def events(
    parts: list[tuple[int, dict[str, np.ndarray]]],
    shops: list[Shop],
    catalogue: Catalogue,
    sku_text: pa.Array,
    customer_text: pa.Array,
    days: DayTexts,
) -> tuple[pa.Table, pa.Table]:
    """Offer events of every pilot shop in time order, and the hidden side of each."""
    shop = (
        np.concatenate([np.full(len(p["day"]), i, dtype=np.int64) for i, p in parts])
        if parts
        else np.zeros(0, int)
    )
    col = {k: np.concatenate([p[k] for _, p in parts]) if parts else np.zeros(0, int) for k in EVENT_COLUMNS}
    order = np.lexsort((col["type"], col["rank"], col["session"], shop, col["second"], col["day"]))
    n = len(order)
    event_id = pc.binary_join_element_wise(pa.scalar("E"), padded(np.arange(1, n + 1), 8), "")
    customer = col["customer"][order]
    store_ids = _text([s.store_id for s in shops]).take(pa.array(shop[order]))
    table = pa.table(
        {
            "event_id": event_id,
            "timestamp": timestamps(days, col["day"][order], col["second"][order]),
            "event_type": _text(list(EVENT_TYPES)).take(pa.array(col["type"][order])),
            "store_id": store_ids,
            "customer_id": customer_text.take(pa.array(customer, mask=customer < 0)),
            "sku": sku_text.take(pa.array(col["wanted"][order])),
            "offered_sku": sku_text.take(pa.array(col["offered"][order])),
            "rank": pa.array(col["rank"][order], type=pa.int64()),
            "reason": _text(list(REASONS)).take(pa.array(col["reason"][order])),
        }
    )
    psych = col["psychological"][order].astype(bool)
    truth = pa.table(
        {
            "event_id": event_id,
            "loyalty": _text([PSYCHOLOGICAL, BEHAVIOURAL]).take(pa.array((~psych).astype(np.int64))),
            "p_accept": pa.array(np.round(col["p_accept"][order].astype(float), 6)),
            "same_brand": pa.array(
                catalogue.brand_idx[col["wanted"][order]] == catalogue.brand_idx[col["offered"][order]]
            ),
        }
    )
    return table, truth


def stores(shops: list[Shop]) -> pa.Table:
    """The stores file: physical shops and the online shop."""
    return pa.table(
        {
            "store_id": _text([s.store_id for s in shops]),
            "name": _text([s.name for s in shops]),
            "kind": _text([s.kind for s in shops]),
            "timezone": _text([TIMEZONE] * len(shops)),
            "region": _text([s.region for s in shops]),
            "active": pa.array([True] * len(shops)),
        }
    )


def items(catalogue: Catalogue, days: DayTexts) -> pa.Table:
    """The item master."""
    models = catalogue.models
    m = catalogue.model_idx
    launch = catalogue.launch_day
    return pa.table(
        {
            "sku": _text(catalogue.sku),
            "name": _text(catalogue.name),
            "brand": _text([BRANDS[b].name for b in catalogue.brand_idx.tolist()]),
            "maker": _text([BRANDS[b].maker for b in catalogue.brand_idx.tolist()]),
            "model": _text([models[i].code for i in m.tolist()]),
            "colour": _text([COLOURS[c].name for c in catalogue.colour_idx.tolist()]),
            "size": _text(catalogue.size),
            "category": _text([CATEGORIES[c].path for c in catalogue.category_idx.tolist()]),
            "purpose": _purpose_text(catalogue.purposes),
            "price": pa.array(catalogue.price.astype(np.float64)),
            "launch_date": _text([days.isoformat(d) for d in launch.tolist()]),
            "active": pa.array(catalogue.active),
        }
    )


def customers(population: Population, shops: list[Shop], days: DayTexts) -> pa.Table:
    """The customers file: what the retailer knows of its members (no loyalty)."""
    n = population.n
    since = [days.isoformat(d) for d in population.member_since_day.tolist()]
    return pa.table(
        {
            "customer_id": _text(population.customer_id),
            "segment": _text(segments(population.activity)),
            "age_band": _text(population.age_band),
            "sizes": _text([sizes_text(population, i) for i in range(n)]),
            "price_band": _text([PRICE_BANDS[b] for b in population.price_band.tolist()]),
            "home_store_id": _text([shops[s].store_id for s in population.home_shop.tolist()]),
            "attributes": _text([attributes_json(population, i, since[i]) for i in range(n)]),
        }
    )


def promotions(promos: list[Promotion], shops: list[Shop], catalogue: Catalogue, days: DayTexts) -> pa.Table:
    """One row per promoted SKU; an empty store_id means every shop."""
    rows: dict[str, list[Any]] = {
        k: [] for k in ("promo_id", "store_id", "sku", "start_date", "end_date", "discount_pct")
    }
    for promo in promos:
        for item in promo.items.tolist():
            rows["promo_id"].append(f"P{promo.number:05d}-{catalogue.sku[item]}")
            rows["store_id"].append(None if promo.shop == ALL_SHOPS else shops[promo.shop].store_id)
            rows["sku"].append(catalogue.sku[item])
            rows["start_date"].append(days.isoformat(promo.start_day))
            rows["end_date"].append(days.isoformat(promo.end_day))
            rows["discount_pct"].append(float(promo.percent))
    return pa.table(
        {k: pa.array(v, type=pa.float64() if k == "discount_pct" else pa.string()) for k, v in rows.items()}
    )


def weather(shops: list[Shop], temperature: np.ndarray, days: DayTexts) -> pa.Table:
    """Daily temperature per shop; the online shop sees the national average."""
    n_shops, n_days = temperature.shape
    shop = np.repeat(np.arange(n_shops), n_days)
    day = np.tile(np.arange(n_days), n_shops)
    return pa.table(
        {
            "store_id": _text([s.store_id for s in shops]).take(pa.array(shop)),
            "business_date": days.date(day),
            "temperature_c": pa.array(temperature.ravel()),
        }
    )


def loyalty(population: Population, catalogue: Catalogue) -> pa.Table:
    """The hidden loyalty of every customer in every category they shop."""
    customer, category = np.nonzero(population.interest > 0)
    psych = population.psychological[customer, category]
    fav_brand = population.fav_brand[customer, category]
    fav_model = population.fav_model[customer, category]
    return pa.table(
        {
            "customer_id": _text(population.customer_id[customer]),
            "category": _text([CATEGORIES[c].path for c in category.tolist()]),
            "loyalty": _text(np.where(psych, PSYCHOLOGICAL, BEHAVIOURAL)),
            "favourite_brand": pa.array(
                [BRANDS[b].name if b >= 0 else None for b in fav_brand.tolist()], pa.string()
            ),
            "favourite_model": pa.array(
                [catalogue.models[m].code if m >= 0 else None for m in fav_model.tolist()], pa.string()
            ),
            "purposes": _purpose_text(population.purposes[customer, category]),
            "interest": pa.array(np.round(population.interest[customer, category], 3)),
        }
    )


def choice_model(params: ChoiceParams, shops: list[Shop], days: int, pilot_days: int) -> dict[str, Any]:
    """Parameters of the hidden choice model and the offer pilot, for benchmarks."""
    return {
        "acceptance": params.to_dict(),
        "purchase_pull": {
            "favourite_model": PULL_FAVOURITE_MODEL,
            "favourite_brand": PULL_FAVOURITE_BRAND,
            "other_brand": PULL_OTHER_BRAND,
            "no_purpose_fit": PULL_NO_PURPOSE,
            "price_band_distance": list(PULL_PRICE),
        },
        "pilot": {
            "store_ids": [s.store_id for i, s in enumerate(shops) if s.online or i == 0],
            "first_day_index": max(0, days - pilot_days),
        },
        "categories": {
            c.path: {"psychological_share": c.psychological_share, "heat_per_degree": c.heat_per_degree}
            for c in CATEGORIES
        },
    }
