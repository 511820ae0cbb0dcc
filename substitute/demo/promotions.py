"""Promotions: discounts on whole models, chain-wide or in one shop, and clearances.

A promotion lifts demand (by :data:`LIFT_PER_DISCOUNT` per unit of discount:
30% off sells about 1.75 times as much) and sales lines during it carry the
discounted ``unit_price`` and ``promo=true``. Discontinued models are cleared
at deeper discounts after their last order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from substitute.demo.catalogue import NEVER, Catalogue

LIFT_PER_DISCOUNT = 2.5
#: Promotions per model and year.
RATE_PER_YEAR = 1.1
ALL_SHOPS = -1


@dataclass(frozen=True)
class Promotion:
    """A discount on every SKU of a model, in one shop or all, for a run of days."""

    number: int
    items: np.ndarray  # item indices (every SKU of the model)
    shop: int  # shop index, or ALL_SHOPS
    start_day: int
    end_day: int  # inclusive
    percent: int


def build_promotions(
    catalogue: Catalogue, n_shops: int, days: int, rng: np.random.Generator
) -> list[Promotion]:
    """Draw the promotions of the window, ordered by start day then number."""
    promotions: list[Promotion] = []
    by_model = [np.flatnonzero(catalogue.model_idx == m) for m in range(len(catalogue.models))]
    for items in by_model:
        if not len(items):
            continue
        launch = int(catalogue.launch_day[items].min())
        end = int(min(catalogue.discontinue_day[items].min(), days)) - 1
        first = max(0, launch + 30)
        if end - first < 10:
            continue
        for _ in range(rng.poisson(RATE_PER_YEAR * (end - first) / 365)):
            start = int(rng.integers(first, end - 3))
            length = int(rng.integers(3, 15))
            draw = rng.random()
            shop = ALL_SHOPS if draw < 0.5 else n_shops - 1 if draw < 0.75 else int(rng.integers(0, n_shops))
            percent = int(rng.choice([10, 15, 20, 30], p=[0.3, 0.3, 0.25, 0.15]))
            promotions.append(Promotion(0, items, shop, start, min(start + length - 1, days - 1), percent))
        gone = int(catalogue.discontinue_day[items].min())
        if gone < NEVER and gone < days:
            percent = int(rng.choice([30, 40, 50]))
            promotions.append(Promotion(0, items, ALL_SHOPS, gone, min(gone + 45, days - 1), percent))
    promotions.sort(key=lambda p: (p.start_day, int(p.items[0]), p.shop))
    return [
        Promotion(i + 1, p.items, p.shop, p.start_day, p.end_day, p.percent) for i, p in enumerate(promotions)
    ]


def discount_matrix(
    promotions: list[Promotion], shop: int, item_to_listing: np.ndarray, n_listings: int, days: int
) -> np.ndarray:
    """Percent off per listing (rows) and day (columns) in one shop; overlaps take the deeper cut."""
    percent = np.zeros((n_listings, days), dtype=np.uint8)
    for promo in promotions:
        if promo.shop not in (ALL_SHOPS, shop):
            continue
        rows = item_to_listing[promo.items]
        rows = rows[rows >= 0]
        if len(rows):
            block = percent[rows, promo.start_day : promo.end_day + 1]
            percent[rows, promo.start_day : promo.end_day + 1] = np.maximum(block, promo.percent)
    return percent


def discounted_price(price: np.ndarray, percent: np.ndarray) -> np.ndarray:
    """Shelf price after ``percent`` off, rounded down to 10 yen as Japanese tills do."""
    return np.floor(price * (100 - percent.astype(np.int64)) / 1000.0) * 10.0
