"""What each shop carries, how much it sells, and how long its deliveries take.

The online shop lists the whole catalogue. A store carries most models, and
most colours and sizes of each; formal kimono only in every third store; and
big catalogues more thinly, as real chains do. Demand is scaled so that the
average listing sells :data:`MEAN_DEMAND` units a day in a 300-item catalogue
(somewhat less per listing in bigger ones: customers spread over more items).
"""

from __future__ import annotations

import numpy as np

from substitute.demo.catalogue import Catalogue
from substitute.demo.categories import CATEGORIES
from substitute.demo.places import Shop

MEAN_DEMAND = 0.12


def carried_items(catalogue: Catalogue, shop: Shop, shop_idx: int, rng: np.random.Generator) -> np.ndarray:
    """Item indices the shop lists, in catalogue order."""
    if shop.online:
        return np.arange(catalogue.n)
    breadth = min(1.0, (2000.0 / max(catalogue.n, 1)) ** 0.7)
    formal = np.array(
        [CATEGORIES[m.category_idx].path.endswith(("formal", "zori")) for m in catalogue.models]
    )
    share = np.where(formal, 0.9 if shop_idx % 3 == 0 else 0.0, 0.85)
    carried_model = rng.random(len(catalogue.models)) < share * breadth
    return np.flatnonzero(carried_model[catalogue.model_idx] & (rng.random(catalogue.n) < 0.9))


def model_lead_times(catalogue: Catalogue, rng: np.random.Generator) -> np.ndarray:
    """Nominal replenishment lead time (days) of each model, from its category's range."""
    low = np.array([CATEGORIES[m.category_idx].lead_days[0] for m in catalogue.models], dtype=np.int64)
    high = np.array([CATEGORIES[m.category_idx].lead_days[1] for m in catalogue.models], dtype=np.int64)
    return rng.integers(low, high + 1)


def demand_scale(catalogue: Catalogue, shops: list[Shop], listings: list[np.ndarray]) -> float:
    """Factor on ``popularity × shop size`` that gives the mean listing its target demand."""
    target = MEAN_DEMAND * min(1.0, 300.0 / max(catalogue.n, 1)) ** 0.3
    weights = np.concatenate(
        [catalogue.popularity[items] * shop.size for shop, items in zip(shops, listings, strict=True)]
    )
    return float(target / weights.mean()) if len(weights) else 1.0
