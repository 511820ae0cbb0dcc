"""``generate``: the whole demo retailer, written as canonical input files.

First what the chain shares (catalogue, shops and weather, members,
promotions, maker shortages, assortments), then each shop in turn: simulate
its days, turn units into sales lines, append its inventory, sales and truth
rows to the open files. Reviews, events and the small files come last. Each
step draws from its own random stream (``[seed, step, shop]``), so a shop's
draws never depend on another's, and memory is bounded by the largest shop.

Files (in ``out_dir``): one per kind (see :mod:`substitute.demo.output`),
``truth/`` (never an input: loyalty, lost demand, review motives, offer
probabilities, the choice model) and ``manifest.json``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from substitute.demo import tables
from substitute.demo.assortment import carried_items, demand_scale, model_lead_times
from substitute.demo.catalogue import Catalogue, build_catalogue
from substitute.demo.categories import seasonal_log_demand
from substitute.demo.choice import DEFAULT_PARAMS
from substitute.demo.clock import DayTexts
from substitute.demo.jpcalendar import day_factors
from substitute.demo.offers import OfferDesk, OfferLog, legacy_candidates
from substitute.demo.output import (
    ParquetSink,
    file_name,
    kind_schema,
    manifest,
    write_json,
    write_kind,
    write_parquet,
)
from substitute.demo.places import Shop, build_shops, temperatures
from substitute.demo.population import Population, build_population
from substitute.demo.promotions import Promotion, build_promotions, discount_matrix
from substitute.demo.reviews import build_reviews
from substitute.demo.sampler import CustomerSampler
from substitute.demo.simulate import HORIZON, ShopPlan, maker_shortages, simulate_shop
from substitute.demo.transactions import ReviewPool, build_sales_lines

DEFAULT_END = dt.date(2026, 7, 20)
ANONYMOUS_SHARE = {True: 0.12, False: 0.4}  # online, in store
OFFER_RATE = {True: 0.6, False: 0.45}  # share of empty-shelf encounters that get an offer
PILOT_DAYS = 365  # the offer pilot ran in the last year of the window

Progress = Callable[[str, int, int], None]


def _stream(seed: int, *key: int) -> np.random.Generator:
    return np.random.default_rng([seed, *key])


@dataclass
class _Chain:
    """Everything the shops share."""

    dates: list[dt.date]
    texts: DayTexts
    catalogue: Catalogue
    shops: list[Shop]
    weather: np.ndarray
    population: Population
    promotions: list[Promotion]
    shortages: np.ndarray
    listings: list[np.ndarray]
    model_lead: np.ndarray
    season: np.ndarray
    scale: float
    candidates: tuple[np.ndarray, np.ndarray]
    sku_text: pa.Array
    customer_text: pa.Array


def _build_chain(
    seed: int, n_items: int, n_stores: int, n_customers: int, days: int, start: dt.date
) -> _Chain:
    dates = [start + dt.timedelta(days=i) for i in range(days)]
    ahead = [start + dt.timedelta(days=i) for i in range(days + HORIZON)]
    day_of_year = np.array([min(d.timetuple().tm_yday, 365) for d in ahead])
    catalogue = build_catalogue(n_items, days, _stream(seed, 1))
    shops = build_shops(n_stores)
    shop_sizes = np.array([s.size for s in shops if not s.online])
    population = build_population(n_customers, n_stores, shop_sizes, catalogue, _stream(seed, 3))
    listings = [carried_items(catalogue, shop, i, _stream(seed, 6, i)) for i, shop in enumerate(shops)]
    return _Chain(
        dates=dates,
        texts=DayTexts(start, days, after=HORIZON + 30),
        catalogue=catalogue,
        shops=shops,
        weather=temperatures(shops, day_of_year[:days], _stream(seed, 2)),
        population=population,
        promotions=build_promotions(catalogue, len(shops), days, _stream(seed, 4)),
        shortages=maker_shortages(catalogue, days, _stream(seed, 5)),
        listings=listings,
        model_lead=model_lead_times(catalogue, _stream(seed, 7)),
        season=seasonal_log_demand(day_of_year),
        scale=demand_scale(catalogue, shops, listings),
        candidates=legacy_candidates(catalogue),
        sku_text=pa.array(catalogue.sku.tolist(), type=pa.string()),
        customer_text=pa.array(population.customer_id.tolist(), type=pa.string()),
    )


@dataclass
class _ShopOutput:
    sales: pa.Table
    inventory: pa.Table
    lost_demand: pa.Table
    receipts: pa.Table
    reviews: ReviewPool
    events: dict[str, np.ndarray] | None


def _run_shop(chain: _Chain, shop_idx: int, seed: int) -> _ShopOutput:
    """Simulate one shop and shape its rows."""
    shop, catalogue, days = chain.shops[shop_idx], chain.catalogue, len(chain.dates)
    items = chain.listings[shop_idx]
    sampler = CustomerSampler(
        catalogue, chain.population, shop_idx, shop.online, ANONYMOUS_SHARE[shop.online]
    )
    psych_share = sampler.psychological_share(items)
    item_to_listing = np.full(catalogue.n, -1, dtype=np.int64)
    item_to_listing[items] = np.arange(len(items))
    desk = None
    if shop.online or shop_idx == 0:  # the offer pilot
        desk = OfferDesk(
            catalogue,
            chain.population,
            sampler,
            chain.candidates,
            items,
            psych_share,
            shop.online,
            DEFAULT_PARAMS,
        )
    plan = ShopPlan(
        items=items,
        base=catalogue.popularity[items] * shop.size * chain.scale,
        # Stores wait a day or three longer than the online warehouse.
        lead=chain.model_lead[catalogue.model_idx[items]] + (0 if shop.online else 1 + shop_idx % 3),
        review_weekdays=(0, 2, 4) if shop.online else (0, 3),
        safety=1.2 if shop.online else 0.9,
        display_minimum=0 if shop.online else 1,
        dispersion=4.0 if shop.online else 2.0,
        day_factor=day_factors(chain.dates, shop.online),
        weekday=np.array([d.weekday() for d in chain.dates]),
        season=chain.season,
        temperature=chain.weather[shop_idx],
        discount=discount_matrix(chain.promotions, shop_idx, item_to_listing, len(items), days),
        psychological_share=psych_share,
        shortage_end=chain.shortages,
        offer_desk=desk,
        offer_start=max(0, days - PILOT_DAYS),
        offer_rate=OFFER_RATE[shop.online],
    )
    history = simulate_shop(catalogue, plan, _stream(seed, 10, shop_idx), DEFAULT_PARAMS)
    lines = build_sales_lines(
        store_id=shop.store_id,
        shop_idx=shop_idx,
        online=shop.online,
        items=items,
        sku_text=chain.sku_text,
        customer_text=chain.customer_text,
        price=catalogue.price[items].astype(float),
        regular_units=history.sales + history.spill,
        discount=plan.discount,
        offer_purchases=(desk.log if desk else OfferLog()).arrays("purchases"),
        returns=history.returns,
        sampler=sampler,
        days=chain.texts,
        rng=_stream(seed, 11, shop_idx),
    )
    store_id, sku_text, texts = shop.store_id, chain.sku_text, chain.texts
    return _ShopOutput(
        sales=lines.table,
        inventory=tables.inventory(store_id, items, history, plan.lead, sku_text, texts),
        lost_demand=tables.lost_demand(store_id, items, history, sku_text, texts),
        receipts=tables.receipts(store_id, items, history, sku_text, texts),
        reviews=lines.reviews,
        events=desk.log.arrays("events") if desk else None,
    )


def _check(name: str, value: int, low: int) -> None:
    if not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")


def generate(
    out_dir: str | Path,
    *,
    seed: int = 0,
    n_items: int = 300,
    n_stores: int = 6,
    n_customers: int = 3000,
    days: int = 730,
    end_date: dt.date = DEFAULT_END,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Generate a deterministic demo retailer into ``out_dir``.

    Parameters
    ----------
    out_dir
        Folder to write into (created if missing); files of a previous run
        are replaced.
    seed
        Seed of every random stream: the same arguments give byte-identical files.
    n_items
        Number of SKUs (models × colours × sizes).
    n_stores
        Number of physical shops; the online shop ``ec`` comes on top.
    n_customers
        Number of member customers.
    days
        Length of the window, ending on ``end_date`` inclusive.
    end_date
        Last simulated day (default 20 July 2026, near the summer peak).
    progress
        Called as ``progress(step, done, total)`` while shops are simulated.

    Returns
    -------
    dict
        The manifest (also written to ``out_dir/manifest.json``): parameters,
        and for each file its kind, row count, size and SHA-256.
    """
    _check("seed", seed, 0)
    _check("n_items", n_items, 1)
    _check("n_stores", n_stores, 1)
    _check("n_customers", n_customers, 1)
    _check("days", days, 14)
    out = Path(out_dir)
    (out / "truth").mkdir(parents=True, exist_ok=True)
    report = progress or (lambda step, done, total: None)
    start = end_date - dt.timedelta(days=days - 1)
    chain = _build_chain(seed, n_items, n_stores, n_customers, days, start)
    texts, sku_text, customer_text = chain.texts, chain.sku_text, chain.customer_text

    sinks = {
        "sales.parquet": ParquetSink(out / file_name("sales"), kind_schema("sales")),
        "inventory.parquet": ParquetSink(out / file_name("inventory"), kind_schema("inventory")),
        "truth/lost_demand.parquet": ParquetSink(out / "truth" / "lost_demand.parquet", tables.LOST_SCHEMA),
    }
    pools: list[ReviewPool] = []
    event_parts: list[tuple[int, dict[str, np.ndarray]]] = []
    receipt_parts: list[pa.Table] = []
    for shop_idx in range(len(chain.shops)):
        report("shops", shop_idx, len(chain.shops))
        shop = _run_shop(chain, shop_idx, seed)
        sinks["sales.parquet"].write(shop.sales)
        sinks["inventory.parquet"].write(shop.inventory)
        sinks["truth/lost_demand.parquet"].write(shop.lost_demand)
        receipt_parts.append(shop.receipts)
        pools.append(shop.reviews)
        if shop.events is not None:
            event_parts.append((shop_idx, shop.events))
    report("shops", len(chain.shops), len(chain.shops))
    counts = {
        name: (name.split(".")[0] if not name.startswith("truth/") else "truth", sink.close())
        for name, sink in sinks.items()
    }

    report("reviews", 0, 1)
    reviews = build_reviews(
        tables.concat_pools(pools), chain.catalogue, chain.population, days, _stream(seed, 8)
    )
    report("reviews", 1, 1)
    review_table, review_truth = tables.reviews(reviews, sku_text, customer_text, texts)
    event_table, event_truth = tables.events(
        event_parts, chain.shops, chain.catalogue, sku_text, customer_text, texts
    )
    small = {
        "stores": tables.stores(chain.shops),
        "items": tables.items(chain.catalogue, texts),
        "customers": tables.customers(chain.population, chain.shops, texts),
        "receipts": pa.concat_tables(receipt_parts),
        "reviews": review_table,
        "events": event_table,
        "promotions": tables.promotions(chain.promotions, chain.shops, chain.catalogue, texts),
        "weather": tables.weather(chain.shops, chain.weather, texts),
    }
    for kind, table in small.items():
        name, rows = write_kind(out, kind, table)
        counts[name] = (kind, rows)
    truth = {
        "truth/loyalty.parquet": tables.loyalty(chain.population, chain.catalogue),
        "truth/review_labels.parquet": review_truth,
        "truth/event_outcomes.parquet": event_truth,
    }
    for relative, table in truth.items():
        counts[relative] = ("truth", write_parquet(out / relative, table))
    choice_model = tables.choice_model(DEFAULT_PARAMS, chain.shops, days, PILOT_DAYS)
    write_json(out / "truth" / "choice_model.json", choice_model)
    counts["truth/choice_model.json"] = ("truth", 1)

    parameters = {
        "seed": seed,
        "n_items": n_items,
        "n_stores": n_stores,
        "n_customers": n_customers,
        "days": days,
        "start_date": start.isoformat(),
        "end_date": end_date.isoformat(),
    }
    result = manifest(out, counts, parameters)
    write_json(out / "manifest.json", result)
    return result
