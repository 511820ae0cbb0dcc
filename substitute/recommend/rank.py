"""Inventory-aware ranking by loyalty type (DOMAIN.md §2), weights from ``configs/recommend.toml``.

Which loyalty decides:

1. the customer's own profile for the original's category, when there is one
   with a type (``psychological`` or ``behavioural``);
2. otherwise the item's buyers, read from its reviews: the smoothed share of
   psychological reviews above ``psychological_above`` means brand-attached.

Psychological: lexicographic tiers — same model (other colour/size), a
reservation of the original when it is coming back, same brand, then other
brands *only when the brand has nothing available*, flagged ``other_brand``.
Inside a tier, a weighted blend of ALS, content, LightFM and popularity.

Behavioural: one weighted sum of the sources (same job across brands,
personalised by LightFM, price band, size and history).

Both then subtract the forecast's sellout risk and the share of transferred
demand the candidate's stock could not serve. Ties break on the SKU, so the
same inputs always give the same list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from substitute.recommend.candidates import Candidates
from substitute.recommend.config import RankingConfig
from substitute.recommend.snapshot import CustomerInfo, Snapshot

__all__ = ["BEHAVIOURAL", "PSYCHOLOGICAL", "Ranked", "blend", "choose_strategy", "rank_candidates"]

PSYCHOLOGICAL, BEHAVIOURAL = "psychological", "behavioural"


@dataclass
class Ranked:
    """Candidates in final order, with scores and which of them are other brands."""

    order: np.ndarray  # positions into Candidates.items, best first
    score: np.ndarray  # aligned with Candidates.items
    other_brand: np.ndarray
    strategy: str
    loyalty_source: str


def choose_strategy(
    snapshot: Snapshot, item_idx: int, customer: CustomerInfo | None, config: RankingConfig
) -> tuple[str, str]:
    """``(strategy, source)``: the loyalty that decides and where it was read."""
    if customer is not None:
        profile = customer.profiles.get(int(snapshot.items.category[item_idx]))
        if profile is not None and profile[0] in (PSYCHOLOGICAL, BEHAVIOURAL):
            return profile[0], "customer profile"
    share = float(snapshot.items.psych_share[item_idx])
    return (PSYCHOLOGICAL if share > config.psychological_above else BEHAVIOURAL), "item reviews"


def _penalties(snapshot: Snapshot, store_idx: int, pool: np.ndarray, config: RankingConfig) -> np.ndarray:
    risk = snapshot.risk[store_idx, pool].astype(float)
    load = snapshot.load[store_idx, pool].astype(float)
    available = snapshot.available[store_idx, pool].astype(float)
    # Share of the demand we expect to move onto this item that its stock cannot serve.
    overload = np.where(load > 0, np.clip(1.0 - available / np.maximum(load, 1e-9), 0.0, 1.0), 0.0)
    return config.sellout_penalty * risk + config.overload_penalty * overload


def _best_first(score: np.ndarray, items: np.ndarray, limit: int | None) -> np.ndarray:
    """Positions by score, best first, equal scores by SKU (item_idx follows the sorted SKUs).

    With ``limit``, only the best ``limit`` are sorted; everything tied with
    the last of them is kept, so the cut never depends on partition order.
    """
    positions = np.arange(len(score))
    if limit is not None and 0 < limit < len(score):
        threshold = np.partition(score, len(score) - limit)[len(score) - limit]
        positions = np.flatnonzero(score >= threshold)
    order = positions[np.lexsort((items[positions], -score[positions]))]
    return order[np.isfinite(score[order])]


def blend(
    snapshot: Snapshot,
    store_idx: int,
    pool: np.ndarray,
    scores: dict[str, np.ndarray],
    strategy: str,
    config: RankingConfig,
) -> tuple[np.ndarray, np.ndarray]:
    """``(score, other_brand)`` over the pool: one loyalty type's blend of the sources, less penalties.

    Scores of one item (arrays) or a batch (rows, for the shortlists) alike.
    """
    s = scores
    if strategy == PSYCHOLOGICAL:
        tiers = config.psychological
        total = sum(tiers.within.values()) or 1.0
        within = sum(weight * s[name] for name, weight in tiers.within.items()) / total
        same_model = s["same_model"] > 0
        same_brand = (s["same_brand"] > 0) & ~same_model
        tier = np.where(
            same_model, tiers.same_model, np.where(same_brand, tiers.same_brand, tiers.other_brand)
        )
        other_brand = ~(same_model | same_brand)
        score = tier + 0.99 * np.clip(within, 0.0, 1.0)
        # Brand-attached: another maker only when nothing of the brand can be had.
        brand_has_some = (~other_brand).any(axis=-1, keepdims=True)
        score = np.where(other_brand & brand_has_some, -np.inf, score)
    else:
        weights = config.behavioural
        other_brand = np.zeros(s["same_brand"].shape, dtype=bool)
        score = sum(getattr(weights, name) * s[name] for name in s)
    return score - _penalties(snapshot, store_idx, pool, config), other_brand


def rank_candidates(
    snapshot: Snapshot,
    item_idx: int,
    store_idx: int,
    cands: Candidates,
    customer: CustomerInfo | None,
    config: RankingConfig,
    *,
    limit: int | None = None,
) -> Ranked:
    """Order the pool for this customer; see the module docstring.

    ``limit`` orders only the best ``limit`` (and any tied with the last).
    """
    strategy, source = choose_strategy(snapshot, item_idx, customer, config)
    score, other_brand = blend(snapshot, store_idx, cands.items, cands.scores, strategy, config)
    order = _best_first(score, cands.items, limit)
    return Ranked(order=order, score=score, other_brand=other_brand, strategy=strategy, loyalty_source=source)
